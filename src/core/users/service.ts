import { createHash } from 'node:crypto';
import type { Queries } from '../../db/queries/index.js';
import { USER_STATES, type UserState } from '../../db/queries/user-list.js';
import type { UserWithRoles } from '../../db/queries/users.js';
import { isUniqueViolation, violatesUniqueOf } from '../../db/dialect.js';
import type { Clock, Random } from '../clock.js';
import { passwordManagedByDirectory, passwordRealmOf } from '../directories/password-realm.js';
import { toPage, type Page } from '../cursor.js';
import { errors } from '../errors.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { PasswordPolicy } from '../passwords/policy.js';
import { normalizeEmail } from './email.js';
import { sortedCursorKey, userListStart, type UserSort } from './list-order.js';

export { USER_STATES };

/** What an admin list of users can be narrowed to (each applies to the whole list, not a page). */
export interface UserListFilter {
  search?: string;
  realm?: string;
  role?: string;
  state?: UserState;
}

export type User = UserWithRoles;

/** Another order for the admin list than creation order. */
export interface UserListSort {
  by: UserSort;
  desc: boolean;
}

export interface NewUserInput {
  email: string;
  /** A random id when absent (a passkey sign-up names it first: the passkey's user handle). */
  id?: string;
  /** Generated from the email when absent. */
  username?: string | null;
  /** Absent for magic-link accounts, which have no password. */
  password?: string;
  displayName?: string | null;
  avatarUrl?: string | null;
  locale?: string | null;
  metadata?: Record<string, unknown>;
  roles: string[];
  defaultRole: string;
  active: boolean;
  /** An anonymous user (see anonymous.ts). */
  anonymous?: boolean;
}

export interface UserServiceDeps {
  queries: Queries;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  clock: Clock;
  random: Random;
  /** Told after every change to a user, so that caches of users (the session registry's) drop them. */
  changed?: (userId: string) => void;
}

/** The SHA-256 hex digest of a password, as Rocket.Chat's clients send it (`{digest, algorithm: 'sha-256'}`). */
export const passwordDigest = (password: string) => createHash('sha256').update(password, 'utf8').digest('hex');

const USERNAME = /^[0-9A-Za-z._-]{1,64}$/;
export const USERNAME_RULE = 'A username is 1 to 64 letters, digits, dots, dashes or underscores';
export const isValidUsername = (name: string) => USERNAME.test(name);

/** The email's local part reduced to username characters; later attempts add a random suffix. */
function generatedUsername(email: string, attempt: number, random: Random): string {
  const base =
    email
      .split('@')[0]!
      .replace(/[^0-9A-Za-z._-]/g, '')
      .slice(0, 48) || 'user';
  return attempt === 0 ? base : `${base}.${random.bytes(3).toString('hex')}`;
}

/**
 * Tickets a password or email change leaves alone: the undo link mailed to the old address exists to
 * recover from a takeover, so whoever made the change must not be able to void it with a further one.
 */
const KEPT_ACROSS_CHANGES = ['email-change-undo'] as const;

/** Users and their roles; no knowledge of sessions or wire formats. */
export function createUserService({
  queries,
  hasher,
  policy,
  clock,
  random,
  changed = () => undefined,
}: UserServiceDeps) {
  async function insertUser(
    id: string,
    email: string,
    username: string,
    hashes: { passwordHash: string | null; passwordDigestHash: string | null },
    input: NewUserInput,
  ) {
    await queries.transaction(async (q) => {
      await q.users.insert({
        id,
        email,
        username,
        displayName: input.displayName ?? email,
        avatarUrl: input.avatarUrl ?? null,
        locale: input.locale ?? null,
        defaultRole: input.defaultRole,
        active: input.active,
        ...hashes,
        metadata: input.metadata ?? {},
        anonymous: input.anonymous ?? false,
        now: clock.now(),
      });
      await q.userRoles.replace(id, [...new Set(input.roles)]);
    });
  }

  /** Refuses, with a message that says where to do it, to set a password the directory owns. */
  async function requireLocalPassword(id: string): Promise<void> {
    const realm = await passwordRealmOf(queries, id);
    if (realm) throw passwordManagedByDirectory(realm);
  }

  return {
    async create(input: NewUserInput): Promise<User> {
      const password = input.password === undefined ? undefined : policy.check(input.password);
      if (!input.roles.includes(input.defaultRole))
        throw errors.roleNotAllowed('The default role must be one of the roles');
      const email = normalizeEmail(input.email);
      // Hash before the insert: a duplicate costs the same time as a new account.
      const [passwordHash, passwordDigestHash] =
        password === undefined
          ? [null, null]
          : await Promise.all([hasher.hash(password), hasher.hash(passwordDigest(password))]);
      const id = input.id ?? random.uuid();
      const wanted = input.username ?? null;
      if (wanted !== null && !isValidUsername(wanted)) throw errors.validation(USERNAME_RULE);
      // A generated name that is taken gets a random suffix; a requested one that is taken is a conflict.
      for (let attempt = 0; ; attempt++) {
        const username = wanted ?? generatedUsername(email, attempt, random);
        try {
          await insertUser(id, email, username, { passwordHash, passwordDigestHash }, input);
          break;
        } catch (err) {
          if (violatesUniqueOf(err, 'username')) {
            if (wanted !== null) throw errors.usernameInUse();
            if (attempt < 8) continue;
          }
          if (isUniqueViolation(err)) throw errors.emailInUse();
          throw err;
        }
      }
      return (await queries.users.findWithRoles('id', id))!;
    },

    get: (id: string) => queries.users.findWithRoles('id', id),
    getByNumericId: (n: number) => queries.users.findByNumericId(n),
    findByEmail: (email: string) => queries.users.findWithRoles('email', normalizeEmail(email)),
    /** A login name: an email address when it holds an `@` (usernames cannot), else a username. */
    findByLogin: (login: string) =>
      login.includes('@')
        ? queries.users.findWithRoles('email', normalizeEmail(login))
        : queries.users.findWithRoles('username', login),
    /**
     * One page of users in creation order (numeric id) or `sort`'s, optionally only those whose email or username
     * holds `search`, of a realm, holding a role, in a state: every filter applies to the whole list.
     */
    async list(opts: UserListFilter & { limit: number; cursor?: string; sort?: UserListSort }): Promise<Page<User>> {
      const { after, order } = userListStart(opts.sort, opts.cursor);
      const { search, realm, role, sort } = opts;
      const state = opts.state && { is: opts.state, now: clock.now() };
      const rows = await queries.userList.list({ limit: opts.limit + 1, after, order, search, realm, role, state });
      return toPage(rows, opts.limit, (u) => (sort ? sortedCursorKey(sort.by, sort.desc, u) : [u.numericId]));
    },

    async require(email: string): Promise<User> {
      const user = await queries.users.findWithRoles('email', normalizeEmail(email));
      if (!user) throw errors.notFound(`No user with email ${normalizeEmail(email)}`);
      return user;
    },

    async setDisabled(id: string, disabled: boolean): Promise<void> {
      await queries.users.setDisabled(id, disabled, clock.now());
      changed(id);
    },

    async setRoles(id: string, roles: string[], defaultRole: string): Promise<void> {
      if (!roles.includes(defaultRole)) throw errors.roleNotAllowed('The default role must be one of the roles');
      await queries.transaction(async (q) => {
        await q.userRoles.replace(id, [...new Set(roles)]);
        await q.users.setDefaultRole(id, defaultRole, clock.now());
      });
      changed(id);
    },

    async setRealm(id: string, realm: string): Promise<void> {
      if (!(await queries.users.realmExists(realm))) throw errors.notFound(`No realm ${realm}`);
      await queries.users.setRealm(id, realm, clock.now());
      changed(id);
    },

    /** Marks the account active and its address proven (activation, first magic link). */
    async activate(id: string): Promise<void> {
      await queries.users.activate(id, clock.now());
      changed(id);
    },

    /** Checks a new password against the policy; returns its normalised form. */
    checkPassword: (password: string) => policy.check(password),

    /** Sets the address; every unused ticket of the user is void (issue the change's own tickets after). */
    async setEmail(id: string, email: string, verified: boolean): Promise<void> {
      try {
        // The address and the voiding of the user's tickets commit together (see setPassword).
        await queries.transaction(async (q) => {
          await q.users.setEmail(id, normalizeEmail(email), verified, clock.now());
          await q.tickets.voidAllOf(id, KEPT_ACROSS_CHANGES);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.emailInUse();
        throw err;
      }
      changed(id);
    },

    async setDisplayName(id: string, displayName: string): Promise<void> {
      await queries.users.setDisplayName(id, displayName, clock.now());
      changed(id);
    },

    /** The realm whose directory holds the user's password, or null for a local password. */
    passwordRealm: (id: string) => passwordRealmOf(queries, id),

    requireLocalPassword,

    /** A login proved the password against a hash of outdated parameters: here is its new hash. */
    rehash: (id: string, hash: string) => queries.users.setPasswordHash(id, hash, clock.now()),

    /** Stamps the last login. */
    touchLogin: (id: string) => queries.users.touchLogin(id, clock.now()),

    /** Keeps the verifier of digest logins for an account that has none yet (set before digests were kept). */
    storeDigest: (id: string, digestHash: string) => queries.users.setDigestHash(id, digestHash),

    /**
     * Sets a local password and voids every unused ticket of the user; a directory user's is
     * refused (409 password-managed-by-directory).
     */
    async setPassword(id: string, password: string): Promise<void> {
      await requireLocalPassword(id);
      const normalised = policy.check(password);
      const [hash, digestHash] = await Promise.all([hasher.hash(normalised), hasher.hash(passwordDigest(normalised))]);
      // Every outstanding ticket (a reset link, an email change, a magic link) was mailed under the old
      // credentials: none may outlive the change. A ticket the caller issues for this change comes after.
      await queries.transaction(async (q) => {
        await q.users.setPasswordHash(id, hash, clock.now(), digestHash);
        await q.tickets.voidAllOf(id, KEPT_ACROSS_CHANGES);
      });
      changed(id);
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
