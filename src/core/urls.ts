/** Adds query parameters to a URL, keeping the ones it already has. */
export function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Adds parameters to the fragment instead (kept out of server logs and Referer headers). */
export function withFragment(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  for (const [k, v] of Object.entries(params)) fragment.set(k, v);
  url.hash = fragment.toString();
  return url.toString();
}
