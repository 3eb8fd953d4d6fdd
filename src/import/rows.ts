import type { ImportUserRow } from '../db/queries/imports.js';
import { normalizeEmail } from '../core/users/email.js';
import type { ImportRecord } from './record.js';

export const date = (v: string | null | undefined, fallback: Date | null = null) => (v ? new Date(v) : fallback);

export function toRow(r: ImportRecord, now: Date): ImportUserRow {
  return {
    id: r.id,
    numericId: r.numericId,
    email: normalizeEmail(r.email),
    username: r.username ?? null,
    displayName: r.displayName ?? null,
    avatarUrl: r.avatarUrl ?? null,
    locale: r.locale ?? null,
    defaultRole: r.defaultRole,
    active: r.active,
    disabled: r.disabled,
    emailVerified: r.emailVerified,
    passwordHash: r.passwordHash,
    passwordDigestHash: r.passwordDigestHash ?? null,
    metadata: JSON.stringify(r.metadata ?? {}),
    createdAt: date(r.createdAt, now)!,
    updatedAt: now,
    lastLoginAt: date(r.lastLoginAt),
    realm: r.realm ?? 'default',
    bannedUntil: date(r.bannedUntil),
    banReason: r.banReason ?? null,
  };
}
