import { sql, type Insertable, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { Database } from '../types.js';

/** A user row as an import writes it (the users table's columns, named as in UserRow). */
export interface ImportUserRow {
  id: string;
  numericId: number | undefined;
  email: string;
  username: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  locale: string | null;
  defaultRole: string;
  active: boolean;
  disabled: boolean;
  emailVerified: boolean;
  passwordHash: string | null;
  passwordDigestHash: string | null;
  metadata: string;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  realm: string;
  bannedUntil: Date | null;
  banReason: string | null;
}

/** What an import compares before it writes: the stored user a record names, or who holds its email/name/id. */
export interface ExistingUser {
  id: string;
  numericId: number;
  email: string;
  username: string | null;
  passwordHash: string | null;
  /** Everything compared, in one comparable string. */
  fingerprint: string;
}

const toInsert = (u: ImportUserRow) => ({
  id: u.id,
  ...(u.numericId === undefined ? {} : { numeric_id: u.numericId as never }),
  email: u.email,
  username: u.username,
  display_name: u.displayName,
  avatar_url: u.avatarUrl,
  locale: u.locale,
  default_role: u.defaultRole,
  active: u.active,
  disabled: u.disabled,
  email_verified: u.emailVerified,
  password_hash: u.passwordHash,
  password_digest_hash: u.passwordDigestHash,
  metadata: u.metadata,
  created_at: u.createdAt,
  updated_at: u.updatedAt,
  last_login_at: u.lastLoginAt,
  realm: u.realm,
  banned_until: u.bannedUntil,
  ban_reason: u.banReason,
});

/** Rows per statement: within SQLite's 32,766 and PostgreSQL's 65,535 parameters for the widest table. */
const ROWS_PER_STATEMENT = 500;

function* chunks<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) yield rows.slice(i, i + ROWS_PER_STATEMENT);
}

interface Holder {
  id: string;
  numeric_id: string | number;
  email: string;
  username: string | null;
  password_hash: string | null;
}

/**
 * PostgreSQL: each value looked up in its key's unique index (a LATERAL with LIMIT 1 is never flattened into a join,
 * so it stays one index probe per value).
 */
function holdersByProbe(db: Kysely<Database>, ids: string[], emails: string[], names: string[], numeric: number[]) {
  const probe = (values: unknown[], type: string, key: string) => sql`
    select h.* from unnest(${values}::${sql.raw(type)}[]) k(v) cross join lateral (
      select id, numeric_id, email, username, password_hash from users where ${sql.raw(key)} = k.v limit 1) h`;
  return sql<Holder>`${probe(ids, 'uuid', 'id')} union ${probe(emails, 'text', 'email')}
    union ${probe(names, 'text', 'lower(username)')} union ${probe(numeric, 'bigint', 'numeric_id')}`.execute(db);
}

/** The writes of `gatehouse import`: many rows per statement, each batch in the caller's transaction. */
export function createImportQueries(db: Kysely<Database>, dialect: DialectName) {
  return {
    /**
     * Users that hold any of these ids, emails, login names (any case) or numeric ids. On PostgreSQL, one probe of
     * each key's unique index per value, whatever the statistics say: the four IN lists OR-ed were read by a walk
     * of the whole table (the planner's choice, and its only one while the table is unanalysed, as during a bulk
     * import), which made each batch cost in proportion to the users already imported.
     */
    async holders(ids: string[], emails: string[], usernames: string[], numericIds: number[]) {
      if (!ids.length) return [];
      const rows =
        dialect === 'postgres'
          ? (await holdersByProbe(db, ids, emails, usernames, numericIds)).rows
          : await db
              .selectFrom('users')
              .select(['id', 'numeric_id', 'email', 'username', 'password_hash'])
              .where((eb) =>
                eb.or([
                  eb('id', 'in', ids),
                  eb('email', 'in', emails),
                  ...(usernames.length ? [eb(sql`lower(username)`, 'in', usernames)] : []),
                  ...(numericIds.length ? [eb('numeric_id', 'in', numericIds as never[])] : []),
                ]),
              )
              .execute();
      return rows.map((r) => ({
        id: r.id,
        numericId: Number(r.numeric_id),
        email: r.email,
        username: r.username,
        passwordHash: r.password_hash,
      }));
    },

    /** The full rows (with roles) of these users, to compare with what an import brings. */
    async fullRows(ids: string[]) {
      if (!ids.length) return [];
      const users = await db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
      const roles = await db.selectFrom('user_roles').selectAll().where('user_id', 'in', ids).execute();
      return users.map((u) => ({ ...u, roles: roles.filter((r) => r.user_id === u.id).map((r) => r.role) }));
    },

    /**
     * Inserts new users. SQLite's numeric ids come from its one-row counter, taken here for the rows that bring
     * none (after the rows that do, which the counter's trigger has then passed).
     */
    async insertUsers(rows: ImportUserRow[]): Promise<void> {
      const withId = rows.filter((r) => r.numericId !== undefined);
      const without = rows.filter((r) => r.numericId === undefined);
      for (const part of chunks(withId)) await db.insertInto('users').values(part.map(toInsert)).execute();
      if (!without.length) return;
      if (dialect === 'sqlite') {
        const counter = await sql<{ last: number }>`select last from numeric_id_sequence where id = 1`.execute(db);
        let next = Number(counter.rows[0]?.last ?? 0);
        for (const r of without) r.numericId = ++next;
      }
      for (const part of chunks(without)) await db.insertInto('users').values(part.map(toInsert)).execute();
    },

    async updateUser(row: ImportUserRow): Promise<void> {
      const {
        id,
        created_at: _created,
        numeric_id: _numeric,
        ...set
      } = toInsert(row) as ReturnType<typeof toInsert> & { numeric_id?: never };
      await db.updateTable('users').set(set).where('id', '=', id).execute();
    },

    async addRealms(names: string[], now: Date): Promise<void> {
      if (names.length)
        await db
          .insertInto('realms')
          .values(names.map((name) => ({ name, created_at: now })))
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    async addRoles(rows: { user_id: string; role: string }[]): Promise<void> {
      for (const part of chunks(rows))
        await db
          .insertInto('user_roles')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    async replaceRoles(userId: string, roles: string[]): Promise<void> {
      await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
      await this.addRoles(roles.map((role) => ({ user_id: userId, role })));
    },

    /** A TOTP seed (sealed) unless the user already has one. */
    async addMfa(rows: { user_id: string; secret: string; enabled_at: Date | null; created_at: Date }[]) {
      for (const part of chunks(rows))
        await db
          .insertInto('mfa')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    async addIdentities(rows: Insertable<Database['user_identities']>[]): Promise<void> {
      for (const part of chunks(rows))
        await db
          .insertInto('user_identities')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    async addSessions(rows: Insertable<Database['sessions']>[]): Promise<void> {
      for (const part of chunks(rows))
        await db
          .insertInto('sessions')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    /**
     * The sessions an old system's tokens belong to (one per user and door whose signing key came over): added,
     * or their end moved to the new run's; a session ended since (logout-all, disable…) stays ended.
     */
    async addImportedSessions(rows: { id: string; user_id: string; door: string; until: Date }[], now: Date) {
      for (const part of chunks(rows))
        await db
          .insertInto('sessions')
          .values(
            part.map((r) => ({ id: r.id, user_id: r.user_id, door: r.door, created_at: now, expires_at: r.until })),
          )
          .onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') }))
              .where('sessions.revoked_at', 'is', null),
          )
          .execute();
    },

    async addRefreshTokens(rows: Insertable<Database['refresh_tokens']>[]): Promise<void> {
      for (const part of chunks(rows))
        await db
          .insertInto('refresh_tokens')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    /** Imported WebAuthn credentials, as passkeys; a credential id already registered stays as it is. */
    async addPasskeys(rows: Insertable<Database['webauthn_credentials']>[]): Promise<void> {
      for (const part of chunks(rows))
        await db
          .insertInto('webauthn_credentials')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    async addApiTokens(rows: Insertable<Database['api_tokens']>[]): Promise<void> {
      for (const part of chunks(rows))
        await db
          .insertInto('api_tokens')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
    },

    /**
     * PostgreSQL: this transaction's commit does not wait for its WAL flush. A crash may lose the last batches
     * acknowledged, never half of one; an import run again writes them (it is idempotent).
     */
    async relaxCommit(): Promise<void> {
      if (dialect === 'postgres') await sql`set local synchronous_commit = off`.execute(db);
    },

    /**
     * SQLite, while an import runs, on its own connection: a page cache of 64 MiB instead of 2 MiB, and the WAL
     * checkpointed every 16,000 pages (64 MiB) instead of every 1,000. A batch's rows land all over the users' and
     * roles' indexes (random UUIDs); with the small cache their pages were spilled to the WAL and read back within
     * a batch, and checkpointed into the database file (and synced) after nearly every batch. Commits still reach
     * the WAL as before (synchronous = NORMAL). `false` restores SQLite's defaults. Measured: 300,000 users in
     * 69.5 s before, 55.5 s after (docs/performance.md).
     */
    async bulkWrites(on: boolean): Promise<void> {
      if (dialect !== 'sqlite') return;
      await sql`pragma cache_size = ${sql.raw(on ? '-65536' : '-2000')}`.execute(db);
      await sql`pragma wal_autocheckpoint = ${sql.raw(on ? '16000' : '1000')}`.execute(db);
    },

    /** PostgreSQL: the numeric-id sequence past the highest id in use (SQLite's trigger already does it). */
    async advanceNumericIds(): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`
        select setval(q.s, greatest(
          coalesce((select max(numeric_id) from users), 0),
          coalesce(pg_sequence_last_value(q.s::regclass), 0)
        ) + 1, false)
        from (select pg_get_serial_sequence('users', 'numeric_id') as s) q`.execute(db);
    },
  };
}

export type ImportQueries = ReturnType<typeof createImportQueries>;
