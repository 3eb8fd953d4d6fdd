import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import type { Recipe } from './fuzz-requests.js';

/** The admin routes of LDAP directories and of users' sign-in providers: fuzzed as the admin, with the secret. */
export const FEDERATION_ADMIN_ROUTE = /^\/admin\/(directories|users\/\{[^}]+\}\/providers)/;

/**
 * Directory settings an operator can get wrong, near what the LDAP client refuses: URLs its parser rejects or
 * that name no host or an unreachable one, CA files missing, unreadable or not PEM, filters that do not parse.
 * Timeouts stay short so an unreachable host costs the suite little.
 */
const directorySettings = fc.record(
  {
    realm: fc.constantFrom('fuzzed', 'fuzzed-2', 'corp'),
    url: fc.constantFrom(
      'ldap://]4G(.;/',
      'ldap://127.0.0.1:1',
      'ldaps://127.0.0.1:1',
      'ldap://:389',
      'ldap://[::1',
      'ldap://%zz/',
      'ldaps://host.invalid',
    ),
    ca_file: fc.constantFrom('/nonexistent/ca.pem', 'package.json', '/dev/null', '/', '../../etc/passwd', null),
    start_tls: fc.boolean(),
    bind_dn: fc.constantFrom('cn=x,dc=example,dc=org', 'not a dn', null),
    bind_password: fc.constantFrom('secret', null),
    search_base: fc.constantFrom('dc=example,dc=org', '=,=', 'x'),
    user_filter: fc.constantFrom('(uid={login})', '(uid={login}', '{login}', '(&(uid={login})(|))'),
    group_base_dn: fc.constantFrom('ou=groups,dc=example,dc=org', null),
    group_filter: fc.constantFrom('(member={dn})', 'member={dn}))('),
    timeout_ms: fc.integer({ min: 100, max: 500 }),
    default: fc.boolean(),
  },
  { requiredKeys: ['url', 'search_base'] },
);

/** As the admin, with the secret; on directory writes, often settings an operator could get wrong. */
export function asAdmin(op: { method: string; path: string }, recipe: fc.Arbitrary<Recipe>): fc.Arbitrary<Recipe> {
  const writes =
    op.path.startsWith('/admin/directories') &&
    (op.method === 'POST' || op.method === 'PUT') &&
    !op.path.endsWith('/links');
  const withBody = writes
    ? fc.oneof(
        recipe,
        fc
          .tuple(recipe, directorySettings)
          .map(([r, d]) => ({ ...r, body: { payload: JSON.stringify(d), type: 'application/json' } })),
      )
    : recipe;
  return withBody.map((r) => ({ ...r, persona: 'admin' as const, authorization: undefined }));
}

/** Logins that reach a directory: by realm (privacyIDEA, user@realm on Rocket.Chat) and through the default one (HBP). */
export function directoryLogins(realm: string): (InjectOptions & { url: string; method: 'POST' })[] {
  return [
    { method: 'POST', url: '/auth', payload: { username: 'judy', password: 'judy-password', realm } },
    { method: 'POST', url: '/api/v1/login', payload: { user: `judy@${realm}`, password: 'judy-password' } },
    { method: 'POST', url: '/auth/login', payload: { email: 'judy@example.org', password: 'judy-password' } },
  ];
}

/** The realm a fuzzed directory request named (in its path or body), or `fuzzed`. */
export function realmOf(req: { url: string; payload?: unknown }): string {
  try {
    const inPath = /^\/admin\/directories\/([^/?]+)/.exec(req.url)?.[1];
    if (inPath) return decodeURIComponent(inPath);
    const body = JSON.parse(String(req.payload ?? 'null')) as { realm?: unknown } | null;
    return typeof body?.realm === 'string' ? body.realm : 'fuzzed';
  } catch {
    return 'fuzzed';
  }
}
