import { sql, type Kysely } from 'kysely';
import { toDate, toDateOrNull, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import { toUserWithRoles, userExtras, type UserWithExtrasRow, type UserWithRoles } from './users.js';
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
  const insert = prepare<[string, string, string, Date, Date, string | null, string | null], never>(
    dialect,
    7,
    (hash: string, familyId: string, userId: string, expiresAt: Date, now: Date, userAgent: string | null, ip: string | null) =>
      db
        .insertInto('refresh_tokens')
        .values({ hash, family_id: familyId, user_id: userId, expires_at: expiresAt, created_at: now, user_agent: userAgent, ip })
        .onConflict((oc) => oc.column('hash').doNothing()),
  );
  const claim = prepare<[string, string, Date, Date], { family_id: string; user_id: string }>(dialect, 4, (hash: string, successorHash: string, now: Date, graceStart: Date) =>
    db
      .updateTable('refresh_tokens')
      .set((eb) => ({ rotated_at: eb.fn.coalesce('rotated_at', eb.val(now)), replaced_by: eb.fn.coalesce('replaced_by', eb.val(successorHash)) }))
      .where('hash', '=', hash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where((eb) => eb.or([eb('rotated_at', 'is', null), eb('rotated_at', '>', graceStart)]))
      .returning(['family_id', 'user_id']),
  );
  // The session lives as long as its newest refresh token.
  const extend = prepare<[string, Date], never>(dialect, 2, (sessionId: string, expiresAt: Date) =>
    db.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', sessionId).where('expires_at', '<', expiresAt),
  );
  type StateRow = { family_id: string; user_id: string; rotated_at: unknown; revoked_at: unknown; expires_at: unknown };
  const find = prepare<[string], StateRow>(dialect, 1, (hash: string) =>
    db.selectFrom('refresh_tokens').select(['family_id', 'user_id', 'rotated_at', 'revoked_at', 'expires_at']).where('hash', '=', hash),
  );
  // The token with its user: one round trip gives a refresh everything it needs to decide and to sign.
  const findWithUser = prepare<[string], StateRow & UserWithExtrasRow>(dialect, 1, (hash: string) =>
    db
      .selectFrom('refresh_tokens')
      .innerJoin('users', 'users.id', 'refresh_tokens.user_id')
      .selectAll('users')
      .select(userExtras(dialect))
      .select(['refresh_tokens.family_id', 'refresh_tokens.user_id', 'refresh_tokens.rotated_at', 'refresh_tokens.revoked_at', 'refresh_tokens.expires_at'])
      .where('refresh_tokens.hash', '=', hash),
  );
  const toState = (row: StateRow): RefreshTokenState => ({
    familyId: row.family_id,
    userId: row.user_id,
    rotatedAt: toDateOrNull(row.rotated_at),
    revokedAt: toDateOrNull(row.revoked_at),
    expiresAt: toDate(row.expires_at),
  });

  return {
    async insert(t: NewRefreshToken): Promise<void> {
      await insert(db, t.hash, t.familyId, t.userId, t.expiresAt, t.now, t.userAgent, t.ip);
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
          ), extended as (
            update sessions set expires_at = ${r.expiresAt} where id = (select family_id from claimed) and expires_at < ${r.expiresAt}
          )
          select family_id, user_id from claimed`.execute(db);
        const row = rows[0];
        return row && { familyId: row.family_id, userId: row.user_id };
      }
      return db.transaction().execute(async (trx) => {
        const [row] = await claim(trx, r.hash, r.successorHash, r.now, r.graceStart);
        if (!row) return undefined;
        await insert(trx, r.successorHash, row.family_id, row.user_id, r.expiresAt, r.now, r.userAgent, r.ip);
        await extend(trx, row.family_id, r.expiresAt);
        return { familyId: row.family_id, userId: row.user_id };
      });
    },

    async find(hash: string): Promise<RefreshTokenState | undefined> {
      const [row] = await find(db, hash);
      return row && toState(row);
    },

    async findWithUser(hash: string): Promise<(RefreshTokenState & { user: UserWithRoles }) | undefined> {
      const [row] = await findWithUser(db, hash);
      return row && { ...toState(row), user: toUserWithRoles(row) };
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
