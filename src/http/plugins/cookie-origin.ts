import type { FastifyRequest } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin (`scheme://host[:port]`) of a URL, or undefined when it is not an absolute http(s) URL. */
function originOf(url: string): string | undefined {
  try {
    const { protocol, origin } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CSRF defence for every credential a browser attaches by itself (the permission cookie, the refresh cookie):
 * a state-changing request may be signed in by a cookie only when it comes from an allowed origin (SERVER_URL's
 * and CORS_ORIGINS), judged by `Origin`, or by `Referer` when a browser leaves `Origin` out.
 *
 * `Sec-Fetch-Site: same-site` is never enough: a sibling subdomain (`evil.example.com` beside
 * `auth.example.com`) is the same site, and SameSite cookies go along with its requests. Only when a request
 * carries neither header is it taken for a client that is not a browser (no ambient cookies to abuse), unless
 * `Sec-Fetch-Site` shows a browser that saw another origin.
 */
export function cookieWriteAllowed(request: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const { origin, referer } = request.headers;
  if (origin !== undefined) return allowedOrigins.includes(origin);
  if (referer !== undefined) {
    const from = originOf(referer);
    return from !== undefined && allowedOrigins.includes(from);
  }
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
