import { CompiledQuery, type Kysely } from 'kysely';
import { ROLES_AGGREGATE_TEXT, toBool, toDate, toDateOrNull, type DialectName } from '../dialect.js';
import { NAMED_STATEMENT, prepare } from '../prepared.js';
import type { SqliteSync } from '../sqlite-sync.js';
import { toUserWithRoles, type UserWithExtrasRow, type UserWithRoles } from './users.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';

export interface NewRefreshToken {
  hash: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  now: Date;
  userAgent: string | null;
  ip: string | null;
}

/** A session with its first refresh token (the token's family is the session). */
export interface NewSessionWithToken extends NewRefreshToken {
  door: string;
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

/** What a claim saw and did: the token as it was before (with its user), and whether it is now rotated to the successor. */
export interface Claim {
  before?: RefreshTokenState & { user: UserWithRoles };
  claimed: boolean;
}

/**
 * PostgreSQL: a rotation in one statement, one round trip. `target` reads the token as it was
 * (all parts of a statement share one snapshot), `claimed` marks it rotated when it may be,
 * `inserted` adds the successor once, `extended` makes the session live as long as it; the
 * answer carries the user for the new access token.
 */
const CLAIM_POSTGRES = `${NAMED_STATEMENT}
with target as (
  select family_id, user_id, rotated_at, revoked_at, expires_at from refresh_tokens where hash = $1
), claimed as (
  update refresh_tokens set rotated_at = coalesce(rotated_at, $2), replaced_by = coalesce(replaced_by, $3)
   where hash = $1 and revoked_at is null and expires_at > $2 and (rotated_at is null or rotated_at > $4)
  returning family_id, user_id
), inserted as (
  insert into refresh_tokens (hash, family_id, user_id, expires_at, created_at, user_agent, ip)
  select $3, family_id, user_id, $5, $2, $6, $7 from claimed
  on conflict (hash) do nothing
), extended as (
  update sessions set expires_at = $5 where id = (select family_id from claimed) and expires_at < $5
)
select users.*, ${ROLES_AGGREGATE_TEXT.postgres} as roles, max(case when m.enabled_at is null then 0 else 1 end) as mfa_enabled,
       target.family_id, target.user_id, target.rotated_at, target.revoked_at, target.expires_at, exists(select 1 from claimed) as claimed
  from target join users on users.id = target.user_id
  left join user_roles r on r.user_id = users.id left join mfa m on m.user_id = users.id
 group by users.id, target.family_id, target.user_id, target.rotated_at, target.revoked_at, target.expires_at`;

/** SQLite: the token with its user, read inside the claiming transaction (so, as it was before). */
const BEFORE_SQLITE = `
select users.*, ${ROLES_AGGREGATE_TEXT.sqlite} as roles, max(case when m.enabled_at is null then 0 else 1 end) as mfa_enabled,
       t.family_id, t.user_id, t.rotated_at, t.revoked_at, t.expires_at
  from refresh_tokens t join users on users.id = t.user_id
  left join user_roles r on r.user_id = users.id left join mfa m on m.user_id = users.id
 where t.hash = ? group by users.id`;

export function createRefreshTokenQueries(db: Kysely<Database>, dialect: DialectName, sync?: SqliteSync) {
  const insert = prepare<[string, string, string, Date, Date, string | null, string | null], never>(
    dialect,
    7,
    (
      hash: string,
      familyId: string,
      userId: string,
      expiresAt: Date,
      now: Date,
      userAgent: string | null,
      ip: string | null,
    ) =>
      db
        .insertInto('refresh_tokens')
        .values({
          hash,
          family_id: familyId,
          user_id: userId,
          expires_at: expiresAt,
          created_at: now,
          user_agent: userAgent,
          ip,
        })
        .onConflict((oc) => oc.column('hash').doNothing()),
  );
  const claim = prepare<[string, string, Date, Date], { family_id: string; user_id: string }>(
    dialect,
    4,
    (hash: string, successorHash: string, now: Date, graceStart: Date) =>
      db
        .updateTable('refresh_tokens')
        .set((eb) => ({
          rotated_at: eb.fn.coalesce('rotated_at', eb.val(now)),
          replaced_by: eb.fn.coalesce('replaced_by', eb.val(successorHash)),
        }))
        .where('hash', '=', hash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('rotated_at', 'is', null), eb('rotated_at', '>', graceStart)]))
        .returning(['family_id', 'user_id']),
  );
  type OpenArgs = [string, string, string, string, Date, Date, string | null, string | null];
  // A session opens at a sign-in: its holder proved a secret just now.
  const sessionRow = (...[, id, userId, door, now, expiresAt, ip, userAgent]: OpenArgs) => ({
    id,
    user_id: userId,
    door,
    created_at: now,
    expires_at: expiresAt,
    ip,
    user_agent: userAgent,
    proven_at: now,
  });
  const tokenRow = (...[hash, familyId, userId, , now, expiresAt, ip, userAgent]: OpenArgs) => ({
    hash,
    family_id: familyId,
    user_id: userId,
    expires_at: expiresAt,
    created_at: now,
    user_agent: userAgent,
    ip,
  });
  // PostgreSQL: the session and its first token in one statement; SQLite: in one synchronous transaction.
  const open = prepare<OpenArgs, never>(dialect, 8, (...a: OpenArgs) =>
    db
      .with('session', (w) => w.insertInto('sessions').values(sessionRow(...a)))
      .insertInto('refresh_tokens')
      .values(tokenRow(...a)),
  );
  const openSession = prepare<OpenArgs, never>(dialect, 8, (...a: OpenArgs) =>
    db.insertInto('sessions').values(sessionRow(...a)),
  );
  const openSqlite = sync?.transaction((...a: OpenArgs) => {
    sync.statement(openSession)(...a);
    sync.statement(insert)(a[0], a[1], a[2], a[5], a[4], a[7], a[6]);
  });

  // The session lives as long as its newest refresh token.
  const extend = prepare<[string, Date], never>(dialect, 2, (sessionId: string, expiresAt: Date) =>
    db
      .updateTable('sessions')
      .set({ expires_at: expiresAt })
      .where('id', '=', sessionId)
      .where('expires_at', '<', expiresAt),
  );
  type StateRow = { family_id: string; user_id: string; rotated_at: unknown; revoked_at: unknown; expires_at: unknown };
  const find = prepare<[string], StateRow>(dialect, 1, (hash: string) =>
    db
      .selectFrom('refresh_tokens')
      .select(['family_id', 'user_id', 'rotated_at', 'revoked_at', 'expires_at'])
      .where('hash', '=', hash),
  );
  const toState = (row: StateRow): RefreshTokenState => ({
    familyId: row.family_id,
    userId: row.user_id,
    rotatedAt: toDateOrNull(row.rotated_at),
    revokedAt: toDateOrNull(row.revoked_at),
    expiresAt: toDate(row.expires_at),
  });

  type BeforeRow = StateRow & UserWithExtrasRow;
  // The user added to the new object, not `{ ...toState(row), user }`: on Node 20's V8 a property after a spread costs about 1 µs.
  const toBefore = (row: BeforeRow): NonNullable<Claim['before']> => {
    const before = toState(row) as NonNullable<Claim['before']>;
    before.user = toUserWithRoles(row);
    return before;
  };
  const claimSqlite = sync?.transaction((r: Rotation): Claim => {
    const [row] = sync.raw<BeforeRow>(BEFORE_SQLITE)(r.hash);
    if (!row) return { claimed: false };
    const [won] = sync.statement(claim)(r.hash, r.successorHash, r.now, r.graceStart);
    if (won) {
      sync.statement(insert)(r.successorHash, row.family_id, row.user_id, r.expiresAt, r.now, r.userAgent, r.ip);
      sync.statement(extend)(row.family_id, r.expiresAt);
    }
    return { before: toBefore(row), claimed: Boolean(won) };
  });

  return {
    /** Opens a session (id `t.familyId`, living as long as the token) with its first refresh token. */
    async insertWithSession(t: NewSessionWithToken): Promise<void> {
      const args: OpenArgs = [t.hash, t.familyId, t.userId, t.door, t.now, t.expiresAt, t.ip, t.userAgent];
      await (openSqlite ? openSqlite(...args) : open(db, ...args));
    },

    /**
     * Rotates `r.hash` to `r.successorHash` when it may be (live, and not rotated before the
     * grace window) and says what the token was before, with its user: everything a refresh
     * needs, with no read before the write. PostgreSQL: one named statement, one round trip;
     * SQLite: one synchronous transaction of a read, an UPDATE and an INSERT.
     */
    async claim(r: Rotation): Promise<Claim> {
      if (claimSqlite) return claimSqlite(r);
      const params = [r.hash, r.now, r.successorHash, r.graceStart, r.expiresAt, r.userAgent, r.ip];
      const { rows } = await db.executeQuery<BeforeRow & { claimed: unknown }>(
        CompiledQuery.raw(CLAIM_POSTGRES, params),
      );
      const row = rows[0];
      return row ? { before: toBefore(row), claimed: toBool(row.claimed) } : { claimed: false };
    },

    /** Undoes a fresh claim (the caller was refused after it): the token is live again, its successor gone. */
    async unclaim(hash: string, successorHash: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('refresh_tokens').where('hash', '=', successorHash).execute();
        await trx
          .updateTable('refresh_tokens')
          .set({ rotated_at: null, replaced_by: null })
          .where('hash', '=', hash)
          .where('replaced_by', '=', successorHash)
          .execute();
      });
    },

    async find(hash: string): Promise<RefreshTokenState | undefined> {
      const [row] = await find(db, hash);
      return row && toState(row);
    },

    /** When the user's newest refresh token was issued (a sign-in or a rotation): when they were last seen. */
    async newestOf(userId: string): Promise<Date | null> {
      const row = await db
        .selectFrom('refresh_tokens')
        .select((eb) => eb.fn.max('created_at').as('newest'))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return toDateOrNull(row?.newest ?? null);
    },

    async revokeFamily(familyId: string, now: Date): Promise<void> {
      await db
        .updateTable('refresh_tokens')
        .set({ revoked_at: now })
        .where('family_id', '=', familyId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /** Revokes every live token of the user, except those of `keepFamily` when given. */
    async revokeAllOfUser(userId: string, now: Date, keepFamily?: string): Promise<void> {
      let q = db
        .updateTable('refresh_tokens')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (keepFamily) q = q.where('family_id', '!=', keepFamily);
      await q.execute();
    },

    /** Housekeeping: tokens past `expires_at`, in batches. */
    expired: expiredRows(db, dialect, 'refresh_tokens', 'hash', 'expires_at'),
  };
}

export type RefreshTokenQueries = ReturnType<typeof createRefreshTokenQueries>;
