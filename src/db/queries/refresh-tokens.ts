import { CompiledQuery, type Kysely } from 'kysely';
import { USER_EXTRAS_TEXT, toBool, toDate, toDateOrNull, type DialectName } from '../dialect.js';
import { NAMED_STATEMENT, prepare } from '../prepared.js';
import type { SqliteSync } from '../sqlite-sync.js';
import { toUserWithRoles, type UserWithExtrasRow, type UserWithRoles } from './users.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';

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

/**
 * What a claim saw and did: the token as it was before (with its user), and whether it is now rotated to the successor.
 */
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
select users.*, ${USER_EXTRAS_TEXT.postgres.roles} as roles, ${USER_EXTRAS_TEXT.postgres.mfa} as mfa_enabled,
       target.family_id, target.user_id, target.rotated_at, target.revoked_at, target.expires_at,
       exists(select 1 from claimed) as claimed
  from target join users on users.id = target.user_id`;

/** SQLite: the token with its user, read inside the claiming transaction (so, as it was before). */
const BEFORE_SQLITE = `
select users.*, ${USER_EXTRAS_TEXT.sqlite.roles} as roles, ${USER_EXTRAS_TEXT.sqlite.mfa} as mfa_enabled,
       t.family_id, t.user_id, t.rotated_at, t.revoked_at, t.expires_at
  from refresh_tokens t join users on users.id = t.user_id
 where t.hash = ?`;

export function createRefreshTokenQueries(db: Kysely<Database>, dialect: DialectName, sync?: SqliteSync) {
  // SQLite's rotation, three statements in one synchronous transaction (PostgreSQL's is CLAIM_POSTGRES).
  type Successor = Pick<Rotation, 'successorHash' | 'expiresAt' | 'now' | 'userAgent' | 'ip'> & {
    familyId: string;
    userId: string;
  };
  const insertSuccessor = prepare<Successor, never>(dialect, (p) =>
    db
      .insertInto('refresh_tokens')
      .values({
        hash: p.successorHash,
        family_id: p.familyId,
        user_id: p.userId,
        expires_at: p.expiresAt,
        created_at: p.now,
        user_agent: p.userAgent,
        ip: p.ip,
      })
      .onConflict((oc) => oc.column('hash').doNothing()),
  );
  type ClaimParams = Pick<Rotation, 'hash' | 'successorHash' | 'now' | 'graceStart'>;
  const claim = prepare<ClaimParams, { family_id: string; user_id: string }>(dialect, (p) =>
    db
      .updateTable('refresh_tokens')
      .set((eb) => ({
        rotated_at: eb.fn.coalesce('rotated_at', eb.val(p.now)),
        replaced_by: eb.fn.coalesce('replaced_by', eb.val(p.successorHash)),
      }))
      .where('hash', '=', p.hash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', p.now)
      .where((eb) => eb.or([eb('rotated_at', 'is', null), eb('rotated_at', '>', p.graceStart)]))
      .returning(['family_id', 'user_id']),
  );
  // The session lives as long as its newest refresh token (in the rotation's own statement or transaction).
  const extend = prepare<{ sessionId: string; expiresAt: Date }, never>(dialect, (p) =>
    db
      .updateTable('sessions')
      .set({ expires_at: p.expiresAt })
      .where('id', '=', p.sessionId)
      .where('expires_at', '<', p.expiresAt),
  );
  type StateRow = { family_id: string; user_id: string; rotated_at: unknown; revoked_at: unknown; expires_at: unknown };
  const find = prepare<{ hash: string }, StateRow>(dialect, (p) =>
    db
      .selectFrom('refresh_tokens')
      .select(['family_id', 'user_id', 'rotated_at', 'revoked_at', 'expires_at'])
      .where('hash', '=', p.hash),
  );
  const toState = (row: StateRow): RefreshTokenState => ({
    familyId: row.family_id,
    userId: row.user_id,
    rotatedAt: toDateOrNull(row.rotated_at),
    revokedAt: toDateOrNull(row.revoked_at),
    expiresAt: toDate(row.expires_at),
  });

  type BeforeRow = StateRow & UserWithExtrasRow;
  // Built in place rather than spread: a hot path (docs/performance.md, "Object shapes").
  const toBefore = (row: BeforeRow): NonNullable<Claim['before']> => {
    const before = toState(row) as NonNullable<Claim['before']>;
    before.user = toUserWithRoles(row);
    return before;
  };
  const claimSqlite = sync?.transaction((r: Rotation): Claim => {
    const [row] = sync.raw<BeforeRow>(BEFORE_SQLITE)(r.hash);
    if (!row) return { claimed: false };
    const [won] = sync.statement(claim)(r);
    if (won) {
      sync.statement(insertSuccessor)({ ...r, familyId: row.family_id, userId: row.user_id });
      sync.statement(extend)({ sessionId: row.family_id, expiresAt: r.expiresAt });
    }
    return { before: toBefore(row), claimed: Boolean(won) };
  });

  return {
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
      const [row] = await find(db, { hash });
      return row && toState(row);
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
