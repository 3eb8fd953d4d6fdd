import { toBool, toDate, toDateOrNull, toJson } from '../db/dialect.js';
import type { Queries } from '../db/queries/index.js';
import { createSecretBox } from '../core/mfa/secret-box.js';
import type { Services } from '../services.js';
import type { ImportRecord } from './record.js';

const PAGE = 500;
const iso = (v: unknown) => toDateOrNull(v)?.toISOString() ?? null;

/**
 * Every user as a JSON line of the import format (record.ts), a page at a time: hashes, roles, MFA, links,
 * live refresh tokens and api tokens (their hashes only). A TOTP seed is sealed with this server's key; it is
 * written in the clear only when `open` is given (--include-secrets), else left out with its state.
 */
export async function* exportUsers(queries: Queries, open?: (sealed: string) => string): AsyncGenerator<string> {
  for (const { name } of await queries.exports.realms()) yield JSON.stringify({ realm: name });
  let after = 0;
  for (;;) {
    const page = await queries.exports.page(after, PAGE);
    if (!page.users.length) return;
    for (const u of page.users) {
      const mfa = page.mfa.find((m) => m.user_id === u.id);
      const record: ImportRecord = {
        id: u.id,
        numericId: Number(u.numeric_id),
        email: u.email,
        username: u.username,
        displayName: u.display_name,
        avatarUrl: u.avatar_url,
        locale: u.locale,
        defaultRole: u.default_role,
        roles: page.roles.filter((r) => r.user_id === u.id).map((r) => r.role),
        active: toBool(u.active),
        disabled: toBool(u.disabled),
        emailVerified: toBool(u.email_verified),
        passwordHash: u.password_hash,
        passwordDigestHash: u.password_digest_hash,
        metadata: toJson(u.metadata),
        createdAt: toDate(u.created_at).toISOString(),
        lastLoginAt: iso(u.last_login_at),
        realm: u.realm,
        bannedUntil: iso(u.banned_until),
        banReason: u.ban_reason,
        ...(mfa && {
          mfa: { ...(open && { secret: open(mfa.secret) }), enabledAt: iso(mfa.enabled_at) },
        }),
        identities: page.identities
          .filter((i) => i.user_id === u.id)
          .map((i) => ({ provider: i.provider, subject: i.subject, email: i.email, login: i.login })),
        refreshTokens: page.refresh
          .filter((t) => t.user_id === u.id)
          .map((t) => ({ hash: t.hash, expiresAt: toDate(t.expires_at).toISOString(), createdAt: iso(t.created_at)! })),
        apiTokens: page.apiTokens
          .filter((t) => t.user_id === u.id)
          .map((t) => ({
            hash: t.hash,
            kind: t.kind,
            name: t.name,
            expiresAt: iso(t.expires_at),
            createdAt: iso(t.created_at)!,
          })),
        securityKeys: page.keys
          .filter((k) => k.user_id === u.id)
          .map((k) => ({
            credentialId: k.credential_id,
            publicKey: k.public_key,
            counter: Number(k.counter),
            transports: k.transports,
            nickname: k.nickname,
          })),
      };
      yield JSON.stringify(record);
    }
    after = Number(page.users[page.users.length - 1]!.numeric_id);
  }
}

/** `gatehouse export`: every line, TOTP seeds opened with this server's key only when `includeSecrets`. */
export function exportLines(s: Services, includeSecrets: boolean): AsyncGenerator<string> {
  const box = createSecretBox(s.secret('mfa-secret'));
  return exportUsers(s.queries, includeSecrets ? box.open : undefined);
}
