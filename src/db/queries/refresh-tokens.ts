import { sql, type Kysely } from 'kysely';
import { toDate, toDateOrNull, type DialectName } from '../dialect.js';
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

export interface Rotation {
  hash: string;
  successorHash: string;
  now: Date;
  graceStart: Date;
  expiresAt: Date;
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

export function createRefreshTokenQueries(db: Kysely<Database>, dialect: DialectName) {
  return {
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
     * Decides a rotation atomically: marks a live token as rotated (or finds it rotated to
     * the same successor within the grace window) and inserts the successor once.
     * PostgreSQL does it in one statement (one round trip); SQLite in one local transaction.
     * Returns undefined when the token may not be rotated.
     */
    async rotate(r: Rotation): Promise<{ familyId: string; userId: string } | undefined> {
      if (dialect === 'postgres') {
        const { rows } = await sql<{ family_id: string; user_id: string }>`
          with claimed as (
            update refresh_tokens
               set rotated_at = coalesce(rotated_at, ${r.now}), replaced_by = coalesce(replaced_by, ${r.successorHash})
             where hash = ${r.hash} and revoked_at is null and expires_at > ${r.now}
               and (rotated_at is null or rotated_at > ${r.graceStart})
            returning family_id, user_id
          ), inserted as (
            insert into refresh_tokens (hash, family_id, user_id, expires_at, created_at, user_agent, ip)
            select ${r.successorHash}, family_id, user_id, ${r.expiresAt}, ${r.now}, ${r.userAgent}, ${r.ip} from claimed
            on conflict (hash) do nothing
          )
          select family_id, user_id from claimed`.execute(db);
        const row = rows[0];
        return row && { familyId: row.family_id, userId: row.user_id };
      }
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('refresh_tokens')
          .set((eb) => ({ rotated_at: eb.fn.coalesce('rotated_at', eb.val(r.now)), replaced_by: eb.fn.coalesce('replaced_by', eb.val(r.successorHash)) }))
          .where('hash', '=', r.hash)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', r.now)
          .where((eb) => eb.or([eb('rotated_at', 'is', null), eb('rotated_at', '>', r.graceStart)]))
          .returning(['family_id', 'user_id'])
          .executeTakeFirst();
        if (!row) return undefined;
        await trx
          .insertInto('refresh_tokens')
          .values({ hash: r.successorHash, family_id: row.family_id, user_id: row.user_id, expires_at: r.expiresAt, created_at: r.now, user_agent: r.userAgent, ip: r.ip })
          .onConflict((oc) => oc.column('hash').doNothing())
          .execute();
        return { familyId: row.family_id, userId: row.user_id };
      });
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
