import { splitRoles, toBool, toDateOrNull, toJson } from '../db/dialect.js';
import type { ImportUserRow } from '../db/queries/imports.js';

/** JSON with sorted keys: PostgreSQL's jsonb does not keep the order a record had. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** What an import compares: every field it sets except dates of activity (a login since must not count). */
export function fingerprintOfRow(r: ImportUserRow, roles: string[]): string {
  return canonical([
    r.email,
    r.username,
    r.displayName,
    r.avatarUrl,
    r.locale,
    r.defaultRole,
    r.active,
    r.disabled,
    r.emailVerified,
    r.passwordHash,
    JSON.parse(r.metadata),
    r.realm,
    iso(r.bannedUntil),
    r.banReason,
    [...roles].sort(),
  ]);
}

/** The same fingerprint of a stored row (as the database returns it, roles beside it). */
export function fingerprintOfStored(u: Record<string, unknown> & { roles: string[] }): string {
  return canonical([
    u.email,
    u.username,
    u.display_name,
    u.avatar_url,
    u.locale,
    u.default_role,
    toBool(u.active),
    toBool(u.disabled),
    toBool(u.email_verified),
    u.password_hash,
    toJson(u.metadata),
    u.realm,
    iso(toDateOrNull(u.banned_until)),
    u.ban_reason,
    splitRoles(u.roles.join(',')),
  ]);
}
