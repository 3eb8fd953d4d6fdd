import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/load.js';

/** The browser's single sign-on session with Gatehouse: `<user id>.<session id>`, signed, httpOnly. */
export const SSO_COOKIE = 'gatehouse_sso';

const options = (config: Config) => ({
  path: '/',
  httpOnly: true,
  secure: config.cookies.secure,
  // Lax: sent when the browser comes back from a top-level navigation (a proxied app's redirect).
  sameSite: 'lax' as const,
  ...(config.idp.forward.cookieDomain ? { domain: config.idp.forward.cookieDomain } : {}),
});

/** Sets the cookie; answers its value (what `ssoCookie` reads from the browser's next request). */
export function setSsoCookie(reply: FastifyReply, config: Config, s: { userId: string; id: string }): string {
  // As long as the session (the registry decides when it ends; the cookie only carries its name).
  const maxAge = config.idp.refreshTokenSeconds;
  const value = `${s.userId}.${s.id}`;
  reply.setCookie(SSO_COOKIE, value, { ...options(config), signed: true, maxAge });
  return value;
}

export function clearSsoCookie(reply: FastifyReply, config: Config) {
  reply.clearCookie(SSO_COOKIE, options(config));
}

/** The cookie's value when its signature holds; a tampered cookie counts as absent. */
export function ssoCookie(request: FastifyRequest): string | undefined {
  const raw = request.cookies[SSO_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/** The Set-Cookie header that removes the cookie, for answers Fastify does not write (oidc-provider's). */
export function ssoClearHeader(config: Config): string {
  const o = options(config);
  return [
    `${SSO_COOKIE}=`,
    'Path=/',
    'Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    'HttpOnly',
    'SameSite=Lax',
    ...(o.secure ? ['Secure'] : []),
    ...(config.idp.forward.cookieDomain ? [`Domain=${config.idp.forward.cookieDomain}`] : []),
  ].join('; ');
}
