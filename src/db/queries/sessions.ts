import { sql, type Kysely } from 'kysely';
import { toDate, toDateOrNull, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import type { SqliteSync } from '../sqlite-sync.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';
import { toUserWithRoles, userExtras, type UserWithExtrasRow, type UserWithRoles } from './users.js';

/** A keyset page over (created_at, id): `limit` rows past the key of the previous page's last row. */
export interface KeysetPage {
  limit: number;
  after?: { at: Date; id: string };
}

export interface SessionRow {
  id: string;
  userId: string;
  door: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  /** When the holder last proved a secret (sign-in or re-authentication); null: never. */
  provenAt: Date | null;
}

export type NewSession = {
  id: string;
  userId: string;
  door: string;
  now: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** Null: the session starts unproven (an impersonation: nobody proved the user's secret). */
  provenAt: Date | null;
};

/** A session with its first refresh token (HBP and provider sign-in): the token's family is the session. */
type WithFirstToken = NewSession & { refreshTokenHash: string };

/** A user with the state of one of their sessions (null fields: no such session of theirs). */
export interface UserWithSession {
  user: UserWithRoles;
  session: { revokedAt: Date | null; expiresAt: Date } | null;
}

type StateRow = UserWithExtrasRow & {
  session_id: string | null;
  session_revoked_at: unknown;
  session_expires_at: unknown;
};

export function createSessionQueries(db: Kysely<Database>, dialect: DialectName, sync?: SqliteSync) {
  // The user and the session a credential names, in one round trip: what every authenticated request checks.
  const withSession = prepare<{ userId: string; sessionId: string }, StateRow>(dialect, (p) =>
    db
      .selectFrom('users')
      .leftJoin('sessions as s', (join) => join.onRef('s.user_id', '=', 'users.id').on('s.id', '=', p.sessionId))
      .selectAll('users')
      .select(userExtras(dialect))
      .select(['s.id as session_id', 's.revoked_at as session_revoked_at', 's.expires_at as session_expires_at'])
      .where('users.id', '=', p.userId),
  );
  const sessionRow = (p: NewSession) => ({
    id: p.id,
    user_id: p.userId,
    door: p.door,
    created_at: p.now,
    expires_at: p.expiresAt,
    ip: p.ip,
    user_agent: p.userAgent,
    proven_at: p.provenAt,
  });
  const insert = prepare<NewSession, never>(dialect, (p) => db.insertInto('sessions').values(sessionRow(p)));
  // The session's first refresh token: its family is the session, and it lives as long as the session.
  const tokenRow = (p: WithFirstToken) => ({
    hash: p.refreshTokenHash,
    family_id: p.id,
    user_id: p.userId,
    expires_at: p.expiresAt,
    created_at: p.now,
    user_agent: p.userAgent,
    ip: p.ip,
  });
  // PostgreSQL: the session and its first token in one statement.
  const insertWithToken = prepare<WithFirstToken, never>(dialect, (p) =>
    db
      .with('session', (w) => w.insertInto('sessions').values(sessionRow(p)))
      .insertInto('refresh_tokens')
      .values(tokenRow(p)),
  );
  // SQLite: the same two rows in one synchronous transaction.
  const firstToken = prepare<WithFirstToken, never>(dialect, (p) =>
    db.insertInto('refresh_tokens').values(tokenRow(p)),
  );
  const insertWithTokenSqlite = sync?.transaction((p: WithFirstToken) => {
    sync.statement(insert)(p);
    sync.statement(firstToken)(p);
  });
  // Expired sign-on sessions still linked from oidc_store (whose link is text; sessions.id is a uuid on PostgreSQL).
  const expiredSignOns = (before: Date) =>
    db
      .selectFrom('sessions')
      .where('expires_at', '<', before)
      .where('door', '=', 'sso')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('oidc_store')
            .select('key')
            .where('sso_session_id', '=', sql<string>`cast(sessions.id as text)`),
        ),
      );

  return {
    /**
     * The one writer of new sessions. With `refreshTokenHash` (HBP and provider sign-in) the session's first
     * refresh token is written with it, atomically: one statement on PostgreSQL, one transaction on SQLite.
     */
    async insert(s: NewSession & { refreshTokenHash?: string }): Promise<void> {
      const { refreshTokenHash, ...session } = s;
      if (refreshTokenHash === undefined) await insert(db, session);
      else if (insertWithTokenSqlite) await insertWithTokenSqlite({ ...session, refreshTokenHash });
      else await insertWithToken(db, { ...session, refreshTokenHash });
    },

    async findUserWithSession(userId: string, sessionId: string): Promise<UserWithSession | undefined> {
      const [row] = await withSession(db, { userId, sessionId });
      if (!row) return undefined;
      const session = row.session_id
        ? { revokedAt: toDateOrNull(row.session_revoked_at), expiresAt: toDate(row.session_expires_at) }
        : null;
      return { user: toUserWithRoles(row), session };
    },

    /**
     * The identity provider's single sign-on sessions (door `sso`) that expired before `before` and still have
     * provider sessions or grants linked to them (`oidc_store.sso_session_id`), oldest first: housekeeping ends what
     * was signed in through them. Read through `sessions_expires_at`: housekeeping drops expired sessions right
     * after, so it walks only those expired since its last run.
     */
    async expiredSignOns(before: Date, limit: number): Promise<string[]> {
      const rows = await expiredSignOns(before).select('id').orderBy('expires_at').limit(limit).execute();
      return rows.map((r) => r.id);
    },

    /** When the oldest of those expired (null: none). */
    async oldestExpiredSignOn(before: Date): Promise<Date | null> {
      const row = await expiredSignOns(before)
        .select((eb) => eb.fn.min('expires_at').as('oldest'))
        .executeTakeFirst();
      return toDateOrNull(row?.oldest);
    },

    async find(id: string): Promise<SessionRow | undefined> {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toSession(row);
    },

    /** Live sessions of a user, newest first; `page` reads `limit` of them after the key `before`. */
    async liveOf(userId: string, now: Date, page?: KeysetPage): Promise<SessionRow[]> {
      let q = db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc');
      if (page?.after) {
        const { at, id } = page.after;
        q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
      }
      if (page) q = q.limit(page.limit);
      return (await q.execute()).map(toSession);
    },

    /** Stamps a live session of `userId` as proven at `at` (null: unproven). Returns whether it was. */
    async prove(id: string, userId: string, at: Date | null): Promise<boolean> {
      const q = db
        .updateTable('sessions')
        .set({ proven_at: at })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
    },

    /** Returns whether a live session was revoked. */
    async revoke(id: string, now: Date, userId?: string): Promise<boolean> {
      let q = db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null);
      if (userId) q = q.where('user_id', '=', userId);
      return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
    },

    async revokeAllOfUser(userId: string, now: Date, keep?: string): Promise<void> {
      let q = db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (keep) q = q.where('id', '!=', keep);
      await q.execute();
    },

    /** Housekeeping: sessions past `expires_at`, in batches. */
    expired: expiredRows(db, dialect, 'sessions', 'id', 'expires_at'),
  };
}

type Row = {
  id: string;
  user_id: string;
  door: string;
  created_at: unknown;
  expires_at: unknown;
  revoked_at: unknown;
  ip: string | null;
  user_agent: string | null;
  proven_at: unknown;
};
function toSession(row: Row): SessionRow {
  return {
    id: row.id,
    userId: row.user_id,
    door: row.door,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    revokedAt: toDateOrNull(row.revoked_at),
    ip: row.ip,
    userAgent: row.user_agent,
    provenAt: toDateOrNull(row.proven_at),
  };
}

export type SessionQueries = ReturnType<typeof createSessionQueries>;
