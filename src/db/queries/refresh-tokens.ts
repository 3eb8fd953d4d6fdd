import type { Kysely } from 'kysely';
import { toDate, toDateOrNull } from '../dialect.js';
import type { Database } from '../types.js';

export interface NewRefreshToken {
  hash: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  now: Date;
  userAgent: string | null;
  ip: string | null;
}

export interface RefreshTokenState {
  familyId: string;
  userId: string;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
}

export function createRefreshTokenQueries(db: Kysely<Database>) {
  return {
    /** Idempotent: concurrent rotations insert the same successor once. */
    async insert(t: NewRefreshToken): Promise<void> {
      await db
        .insertInto('refresh_tokens')
        .values({
          hash: t.hash,
          family_id: t.familyId,
          user_id: t.userId,
          expires_at: t.expiresAt,
          created_at: t.now,
          user_agent: t.userAgent,
          ip: t.ip,
        })
        .onConflict((oc) => oc.column('hash').doNothing())
        .execute();
    },

    /**
     * The one statement that decides a rotation: it succeeds for a live token that was
     * never rotated, or was rotated to the same successor within the grace window.
     */
    async claimRotation(hash: string, successorHash: string, now: Date, graceStart: Date) {
      const row = await db
        .updateTable('refresh_tokens')
        .set((eb) => ({
          rotated_at: eb.fn.coalesce('rotated_at', eb.val(now)),
          replaced_by: eb.fn.coalesce('replaced_by', eb.val(successorHash)),
        }))
        .where('hash', '=', hash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('rotated_at', 'is', null), eb('rotated_at', '>', graceStart)]))
        .returning(['family_id', 'user_id', 'replaced_by'])
        .executeTakeFirst();
      return row && { familyId: row.family_id, userId: row.user_id, successorHash: row.replaced_by };
    },

    async find(hash: string): Promise<RefreshTokenState | undefined> {
      const row = await db
        .selectFrom('refresh_tokens')
        .select(['family_id', 'user_id', 'rotated_at', 'revoked_at', 'expires_at'])
        .where('hash', '=', hash)
        .executeTakeFirst();
      return (
        row && {
          familyId: row.family_id,
          userId: row.user_id,
          rotatedAt: toDateOrNull(row.rotated_at),
          revokedAt: toDateOrNull(row.revoked_at),
          expiresAt: toDate(row.expires_at),
        }
      );
    },

    async revokeFamily(familyId: string, now: Date): Promise<void> {
      await db.updateTable('refresh_tokens').set({ revoked_at: now }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
    },

    /** Revokes every live token of the user, except those of `keepFamily` when given. */
    async revokeAllOfUser(userId: string, now: Date, keepFamily?: string): Promise<void> {
      let q = db.updateTable('refresh_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
      if (keepFamily) q = q.where('family_id', '!=', keepFamily);
      await q.execute();
    },

    /** Housekeeping: drops tokens that expired before `before`. */
    async deleteExpired(before: Date): Promise<void> {
      await db.deleteFrom('refresh_tokens').where('expires_at', '<', before).execute();
    },
  };
}

export type RefreshTokenQueries = ReturnType<typeof createRefreshTokenQueries>;
