import type { Kysely } from 'kysely';
import { toDateOrNull } from '../dialect.js';
import type { Database } from '../types.js';

export interface MfaRow {
  secret: string;
  enabledAt: Date | null;
  lastUsedStep: number | null;
}

export function createMfaQueries(db: Kysely<Database>) {
  return {
    async get(userId: string): Promise<MfaRow | undefined> {
      const row = await db
        .selectFrom('mfa')
        .select(['secret', 'enabled_at', 'last_used_step'])
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return (
        row && {
          secret: row.secret,
          enabledAt: toDateOrNull(row.enabled_at),
          lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
        }
      );
    },

    /** Stores a new, not yet enabled secret; returns false when MFA is already enabled. */
    async setPending(userId: string, secret: string, now: Date): Promise<boolean> {
      await db.deleteFrom('mfa').where('user_id', '=', userId).where('enabled_at', 'is', null).execute();
      const res = await db
        .insertInto('mfa')
        .values({ user_id: userId, secret, created_at: now })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    async enable(userId: string, now: Date): Promise<void> {
      await db.updateTable('mfa').set({ enabled_at: now }).where('user_id', '=', userId).execute();
    },

    async remove(userId: string): Promise<void> {
      await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
      await db.deleteFrom('mfa').where('user_id', '=', userId).execute();
    },

    /** Records that the code of time step `step` was used; false when it (or a later one) already was: a replay. */
    async useStep(userId: string, step: number): Promise<boolean> {
      const res = await db
        .updateTable('mfa')
        .set({ last_used_step: step })
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async replaceRecoveryCodes(userId: string, hashes: string[]): Promise<void> {
      await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
      await db
        .insertInto('mfa_recovery_codes')
        .values(hashes.map((hash) => ({ hash, user_id: userId })))
        .execute();
    },

    /** Spends an unused recovery code of this user, once. */
    async useRecoveryCode(userId: string, hash: string, now: Date): Promise<boolean> {
      const res = await db
        .updateTable('mfa_recovery_codes')
        .set({ used_at: now })
        .where('hash', '=', hash)
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
  };
}

export type MfaQueries = ReturnType<typeof createMfaQueries>;
