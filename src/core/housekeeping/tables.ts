import type { Queries } from '../../db/queries/index.js';
import type { ExpiredRows } from '../../db/queries/expired-rows.js';
import { LOGIN_FAILURE_WINDOW_MS } from '../throttle/login-failures.js';

const DAY_MS = 86_400_000;

/** One table housekeeping keeps clean: its batch statements and the cutoff before which a row goes. */
export interface HousekeptTable {
  name: string;
  rows: ExpiredRows;
  /** Rows older than this go; undefined: nothing is dropped from this table (audit retention off). */
  cutoff(now: Date): Date | undefined;
}

/**
 * Every table that only grows unless housekeeping drops its dead rows. Each is cleared on its own (no foreign key links
 * them), in this order: one step depends on another, the expired sign-ons, which must run before `sessions` drops the
 * sessions they read.
 */
export function housekeptTables(
  queries: Queries,
  o: { auditRetentionDays: number; expiredSignOns?: ExpiredRows },
): HousekeptTable[] {
  const expiry = (now: Date) => now;
  return [
    {
      name: 'login_failures',
      rows: queries.loginFailures.expired,
      cutoff: (now) => new Date(now.getTime() - LOGIN_FAILURE_WINDOW_MS),
    },
    { name: 'refresh_tokens', rows: queries.refreshTokens.expired, cutoff: expiry },
    // The identity provider's: a single sign-on session that expired ends what was signed in through it (its
    // clients get their logout tokens). Before `sessions`, which drops the expired sessions it reads.
    ...(o.expiredSignOns ? [{ name: 'expired_sign_ons', rows: o.expiredSignOns, cutoff: expiry }] : []),
    { name: 'sessions', rows: queries.sessions.expired, cutoff: expiry },
    { name: 'tickets', rows: queries.tickets.expired, cutoff: expiry },
    { name: 'storage_reservations', rows: queries.storageReservations.expired, cutoff: expiry },
    { name: 'webauthn_challenges', rows: queries.webauthnChallenges.expired, cutoff: expiry },
    { name: 'oidc_store', rows: queries.oidcStore.expired, cutoff: expiry },
    // Old systems' signing keys (gatehouse import --signing-keys), once their last token has expired.
    { name: 'imported_signing_keys', rows: queries.importedSigningKeys.expired, cutoff: expiry },
    {
      name: 'audit_log',
      rows: queries.auditLog.expired,
      cutoff: (now) => (o.auditRetentionDays > 0 ? new Date(now.getTime() - o.auditRetentionDays * DAY_MS) : undefined),
    },
  ];
}
