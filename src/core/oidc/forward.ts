import type { IdpConfig } from '../../config/idp.js';
import type { User } from '../users/service.js';

/** A host (no port), lower-cased, or undefined. */
export const hostOf = (value: string | undefined) => value?.split(',')[0]?.trim().toLowerCase().replace(/:\d+$/, '');

const within = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/**
 * Where forward-auth's sign-in may send the browser back: an http(s) URL on an allow-listed domain (or on
 * Gatehouse's own host). Anything else (another site, `javascript:`, `//evil`…) is refused: an open redirect.
 */
export function allowedReturn(target: string | undefined, forward: IdpConfig['forward'], serverUrl: string) {
  if (!target) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password) return undefined;
  const host = url.hostname.toLowerCase();
  const ok = host === new URL(serverUrl).hostname.toLowerCase() || forward.domains.some((d) => within(host, d));
  return ok ? url.href : undefined;
}

/** Whether the user may pass to this host: the first rule naming it (or a parent domain) decides. */
export function mayPass(user: Pick<User, 'roles'>, host: string | undefined, forward: IdpConfig['forward']) {
  const rule = host ? forward.roles.find((r) => within(host, r.host)) : undefined;
  return !rule || rule.roles.some((role) => user.roles.includes(role));
}
