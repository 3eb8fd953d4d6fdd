import type { Kysely } from 'kysely';
import { toDate, toDateOrNull, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
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

export interface NewSession {
  id: string;
  userId: string;
  door: string;
  now: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** Null: the session starts unproven (an impersonation: nobody proved the user's secret). */
  provenAt: Date | null;
}

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

export function createSessionQueries(db: Kysely<Database>, dialect: DialectName) {
  // The user and the session a credential names, in one round trip: what every authenticated request checks.
  const withSession = prepare<[string, string], StateRow>(dialect, 2, (userId: string, sessionId: string) =>
    db
      .selectFrom('users')
      .leftJoin('sessions as s', (join) => join.onRef('s.user_id', '=', 'users.id').on('s.id', '=', sessionId))
      .selectAll('users')
      .select(userExtras(dialect))
      .select(['s.id as session_id', 's.revoked_at as session_revoked_at', 's.expires_at as session_expires_at'])
      .where('users.id', '=', userId),
  );
  type InsertArgs = [string, string, string, Date, Date, string | null, string | null, Date | null];
  const insert = prepare<InsertArgs, never>(dialect, 8, (...a: InsertArgs) => {
    const [id, userId, door, now, expires, ip, ua, provenAt] = a;
    const row = {
      id,
      user_id: userId,
      door,
      created_at: now,
      expires_at: expires,
      ip,
      user_agent: ua,
      proven_at: provenAt,
    };
    return db.insertInto('sessions').values(row);
  });

  return {
    async insert(s: NewSession): Promise<void> {
      await insert(db, s.id, s.userId, s.door, s.now, s.expiresAt, s.ip, s.userAgent, s.provenAt);
    },

    async findUserWithSession(userId: string, sessionId: string): Promise<UserWithSession | undefined> {
      const [row] = await withSession(db, userId, sessionId);
      if (!row) return undefined;
      const session = row.session_id
        ? { revokedAt: toDateOrNull(row.session_revoked_at), expiresAt: toDate(row.session_expires_at) }
        : null;
      return { user: toUserWithRoles(row), session };
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
