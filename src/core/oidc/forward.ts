import type { IdpConfig } from '../../config/idp.js';
import type { User } from '../users/service.js';

/**
 * A host header's name as a proxy routes on it, or undefined: the first value, lower-cased, without the port (whatever
 * follows the colon: nginx drops a non-numeric one too) and without trailing dots (`admin.example.` is the host
 * `admin.example`), so that a role rule cannot be stepped around by spelling the host another way.
 */
export function hostOf(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim().toLowerCase();
  if (!first) return undefined;
  if (first.startsWith('[')) return first.includes(']') ? first.slice(0, first.indexOf(']') + 1) : undefined;
  return first.split(':')[0]!.replace(/\.+$/, '') || undefined;
}

/**
 * The host of the URL a proxy says the browser asked for (`X-Original-URL`): as a URL parser reads it, or, where the
 * URL does not parse (a port that is no number), its authority; undefined when it names no host at all.
 */
export function hostOfUrl(url: string): string | undefined {
  try {
    return hostOf(new URL(url).host);
  } catch {
    return hostOf(/^[a-z][a-z\d+.-]*:\/\/(?:[^@/\\?#]*@)?([^/\\?#]*)/i.exec(url)?.[1]);
  }
}

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

/**
 * Whether the user may pass to this host: the first rule naming it (or a parent domain) decides. A host that cannot
 * be known (`null`: none named, or none readable) passes only where no rule exists, since it could be any.
 */
export function mayPass(user: Pick<User, 'roles'>, host: string | null, forward: IdpConfig['forward']) {
  if (host === null) return forward.roles.length === 0;
  const rule = forward.roles.find((r) => within(host, r.host));
  return !rule || rule.roles.some((role) => user.roles.includes(role));
}
