import { sql, type Kysely, type Selectable } from 'kysely';
import { splitRoles, toBool, toDate, toDateOrNull, toJson, USER_EXTRAS_TEXT, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import { signInStamp } from './user-activity.js';
import type { Database, UsersTable } from '../types.js';

export interface UserRow {
  id: string;
  email: string;
  displayName: string | null;
  avatarUrl: string | null;
  locale: string | null;
  defaultRole: string;
  active: boolean;
  disabled: boolean;
  emailVerified: boolean;
  passwordHash: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  realm: string;
  /** Stable integer id for dialects whose ids are integers. */
  numericId: number;
  /** Login name, unique without regard to case; `[0-9A-Za-z._-]`. */
  username: string | null;
  bannedUntil: Date | null;
  banReason: string | null;
  /** argon2id of the password's SHA-256 hex digest (Rocket.Chat's digest logins). */
  passwordDigestHash: string | null;
  /** No credential of its own yet (hasura-auth's anonymous sign-in), until given an email and password. */
  anonymous: boolean;
  /** The last sign-in, refresh or authenticated request of any door; successful sign-ins (migration 0029). */
  lastSeenAt: Date | null;
  signInCount: number;
}

export type NewUser = Pick<
  UserRow,
  | 'id'
  | 'email'
  | 'username'
  | 'passwordDigestHash'
  | 'displayName'
  | 'avatarUrl'
  | 'locale'
  | 'defaultRole'
  | 'active'
  | 'metadata'
> & {
  anonymous?: boolean;
  passwordHash: string | null;
  now: Date;
};

function toUser(row: Selectable<UsersTable>): UserRow {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    locale: row.locale,
    defaultRole: row.default_role,
    active: toBool(row.active),
    disabled: toBool(row.disabled),
    emailVerified: toBool(row.email_verified),
    passwordHash: row.password_hash,
    metadata: toJson(row.metadata),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    lastLoginAt: toDateOrNull(row.last_login_at),
    realm: row.realm,
    numericId: Number(row.numeric_id),
    username: row.username,
    bannedUntil: toDateOrNull(row.banned_until),
    banReason: row.ban_reason,
    passwordDigestHash: row.password_digest_hash,
    anonymous: toBool(row.anonymous),
    lastSeenAt: toDateOrNull(row.last_seen_at),
    signInCount: Number(row.sign_in_count),
  };
}

export interface UserWithRoles extends UserRow {
  roles: string[];
  mfaEnabled: boolean;
}

/** Columns that, added to `users.*`, give everything a UserWithRoles needs in the same query (USER_EXTRAS_TEXT). */
export function userExtras(dialect: DialectName) {
  const text = USER_EXTRAS_TEXT[dialect];
  return [sql.raw<string | null>(text.roles).as('roles'), sql.raw<unknown>(text.mfa).as('mfa_enabled')] as const;
}

export type UserWithExtrasRow = Selectable<UsersTable> & { roles: string | null; mfa_enabled: unknown };

export function toUserWithRoles(row: UserWithExtrasRow): UserWithRoles {
  // Built in place rather than spread: a hot path (docs/performance.md, "Object shapes").
  const user = toUser(row) as UserWithRoles;
  user.roles = splitRoles(row.roles);
  user.mfaEnabled = toBool(row.mfa_enabled);
  return user;
}

export function createUserQueries(db: Kysely<Database>, dialect: DialectName) {
  const withExtras = () => db.selectFrom('users').selectAll('users').select(userExtras(dialect));
  const byColumn = (column: 'id' | 'email') =>
    prepare<{ value: string }, UserWithExtrasRow>(dialect, (p) =>
      withExtras().where(column === 'id' ? 'users.id' : 'users.email', '=', p.value),
    );
  const byUsername = prepare<{ lowered: string }, UserWithExtrasRow>(dialect, (p) =>
    withExtras().where((eb) => eb(eb.fn('lower', ['users.username']), '=', p.lowered)),
  );
  const byNumericId = prepare<{ numericId: number }, UserWithExtrasRow>(dialect, (p) =>
    withExtras().where('users.numeric_id', '=', p.numericId),
  );
  const touchLogin = prepare<{ id: string; now: Date }, never>(dialect, (p) =>
    db.updateTable('users').set(signInStamp(p.now)).where('id', '=', p.id),
  );
  const byEmail = byColumn('email');
  const byId = byColumn('id');
  const withRoles = {
    id: (value: string) => byId(db, { value }),
    email: (value: string) => byEmail(db, { value }),
    username: (value: string) => byUsername(db, { lowered: value.toLowerCase() }),
  };

  return {
    /** The user, their roles and MFA state, in one query. */
    async findWithRoles(column: 'id' | 'email' | 'username', value: string): Promise<UserWithRoles | undefined> {
      const [row] = await withRoles[column](value);
      return row && toUserWithRoles(row);
    },

    /** By the integer id of dialects whose ids are integers (HumHub). */
    async findByNumericId(n: number): Promise<UserWithRoles | undefined> {
      const [row] = await byNumericId(db, { numericId: n });
      return row && toUserWithRoles(row);
    },

    async insert(u: NewUser): Promise<void> {
      const nextNumericId = sql<number>`(select last + 1 from numeric_id_sequence where id = 1)`;
      await db
        .insertInto('users')
        .values({
          id: u.id,
          email: u.email,
          username: u.username,
          // PostgreSQL numbers rows by a sequence; SQLite by a counter that a trigger advances (never max + 1,
          // which hands a deleted user's id to the next one). One writer at a time makes the read safe.
          ...(dialect === 'sqlite' ? { numeric_id: nextNumericId } : {}),
          display_name: u.displayName,
          avatar_url: u.avatarUrl,
          locale: u.locale,
          default_role: u.defaultRole,
          active: u.active,
          disabled: false,
          email_verified: false,
          password_hash: u.passwordHash,
          password_digest_hash: u.passwordDigestHash,
          anonymous: u.anonymous ?? false,
          metadata: JSON.stringify(u.metadata),
          created_at: u.now,
          updated_at: u.now,
        })
        .execute();
    },

    /** A new password: both verifiers at once (a rehash keeps the digest's, which `digestHash` leaves out). */
    async setPasswordHash(id: string, hash: string, now: Date, digestHash?: string): Promise<void> {
      await db
        .updateTable('users')
        .set({ password_hash: hash, ...(digestHash ? { password_digest_hash: digestHash } : {}), updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    /** No password at all: both verifiers go. */
    async clearPassword(id: string, now: Date): Promise<void> {
      const none = { password_hash: null, password_digest_hash: null, updated_at: now };
      await db.updateTable('users').set(none).where('id', '=', id).execute();
    },

    async setDigestHash(id: string, digestHash: string): Promise<void> {
      await db.updateTable('users').set({ password_digest_hash: digestHash }).where('id', '=', id).execute();
    },

    async setDefaultRole(id: string, role: string, now: Date): Promise<void> {
      await db.updateTable('users').set({ default_role: role, updated_at: now }).where('id', '=', id).execute();
    },

    async setDisabled(id: string, disabled: boolean, now: Date): Promise<void> {
      await db.updateTable('users').set({ disabled, updated_at: now }).where('id', '=', id).execute();
    },

    /** Activation proves the address too. */
    async activate(id: string, now: Date): Promise<void> {
      await db
        .updateTable('users')
        .set({ active: true, email_verified: true, updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    /** Throws a unique violation when the address is taken. */
    /** Gives an anonymous user an address (and, separately, a password): it is an ordinary account from then on. */
    async deanonymize(id: string, email: string, now: Date): Promise<void> {
      await db
        .updateTable('users')
        .set({ email, email_verified: false, anonymous: false, updated_at: now })
        .where('id', '=', id)
        .where('anonymous', '=', true)
        .execute();
    },

    async setEmail(id: string, email: string, verified: boolean, now: Date): Promise<void> {
      await db
        .updateTable('users')
        .set({ email, email_verified: verified, updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    async setDisplayName(id: string, displayName: string, now: Date): Promise<void> {
      await db.updateTable('users').set({ display_name: displayName, updated_at: now }).where('id', '=', id).execute();
    },

    async setMetadata(id: string, metadata: Record<string, unknown>, now: Date): Promise<void> {
      await db
        .updateTable('users')
        .set({ metadata: JSON.stringify(metadata), updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    /** Deletes the user; roles, tokens, tickets and MFA rows go with it (ON DELETE CASCADE). */
    async remove(id: string): Promise<void> {
      await db.deleteFrom('users').where('id', '=', id).execute();
    },

    async createRealm(name: string, now: Date): Promise<void> {
      await db.insertInto('realms').values({ name, created_at: now }).execute();
    },

    async setRealm(id: string, realm: string, now: Date): Promise<void> {
      await db.updateTable('users').set({ realm, updated_at: now }).where('id', '=', id).execute();
    },

    async realms(): Promise<{ name: string; createdAt: Date }[]> {
      const rows = await db.selectFrom('realms').selectAll().orderBy('name').execute();
      return rows.map((r) => ({ name: r.name, createdAt: toDate(r.created_at) }));
    },

    async realmExists(name: string): Promise<boolean> {
      return Boolean(await db.selectFrom('realms').select('name').where('name', '=', name).executeTakeFirst());
    },

    async setBan(id: string, until: Date | null, reason: string | null, now: Date): Promise<void> {
      await db
        .updateTable('users')
        .set({ banned_until: until, ban_reason: reason, updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    /** Throws a unique violation when the name is taken (in any case). */
    async setUsername(id: string, username: string, now: Date): Promise<void> {
      await db.updateTable('users').set({ username, updated_at: now }).where('id', '=', id).execute();
    },

    async touchLogin(id: string, now: Date): Promise<void> {
      await touchLogin(db, { id, now });
    },
  };
}

export type UserQueries = ReturnType<typeof createUserQueries>;
