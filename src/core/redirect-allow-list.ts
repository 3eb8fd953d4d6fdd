/**
 * Whether a client-chosen redirect target is allowed: it must be REDIRECT_URL_SUCCESS's origin
 * and path prefix, or start with one of ALLOWED_REDIRECT_URLS, compared as parsed URLs so that
 * `https://app.example.com.evil.net` or `https://app.example.com@evil.net` never pass.
 */
export function isAllowedRedirect(target: string, allowed: string[]): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username || url.password) return false;
  return allowed.some((entry) => {
    const prefix = new URL(entry);
    if (prefix.origin !== url.origin) return false;
    const base = prefix.pathname.endsWith('/') ? prefix.pathname : `${prefix.pathname}/`;
    return url.pathname === prefix.pathname || url.pathname.startsWith(base) || prefix.pathname === '/';
  });
}
