import type { Queries } from '../../db/queries/index.js';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { AppError, errors } from '../errors.js';
import { isValidUsername, type User, type UserService } from '../users/service.js';
import { bindAs, findEntries, groupsOf, withConnection, type DirectoryEntry } from './ldap.js';
import type { DirectoryStore } from './store.js';
import type { Directory } from './settings.js';

export type DirectoryOutcome = { outcome: 'ok'; user: User } | { outcome: 'invalid' } | { outcome: 'conflict' };

/** What the login pipeline calls instead of the local password check for directory-backed realms. */
export interface Directories {
  /** Whether logins into this realm (or, with undefined, logins naming no realm) go to a directory. */
  handles(realm: string | undefined): Promise<boolean>;
  /** Finds the login, binds with the password, creates or updates the local user just in time. */
  authenticate(input: { login: string; password: string; realm: string | undefined }): Promise<DirectoryOutcome>;
  /** The realm of the directory that holds a user's password, or null for a local password. */
  passwordRealm(userId: string): Promise<string | null>;
}

export interface DirectoryServiceDeps {
  queries: Queries;
  users: UserService;
  audit: Audit;
  clock: Clock;
  store: DirectoryStore;
  /** Roles every new user gets, and the default role (DEFAULT_ALLOWED_USER_ROLES, DEFAULT_USER_ROLE). */
  roles: { defaults: string[]; defaultRole: string };
}

export const providerOf = (realm: string) => `ldap:${realm}`;

/** A directory entry without a mail attribute still needs a unique address: one under the reserved .invalid TLD. */
const emailOf = (d: Directory, e: DirectoryEntry) => (e.email ?? `${(e.username ?? e.externalId).replace(/[^0-9A-Za-z._-]/g, '_')}@${d.realm}.directory.invalid`).toLowerCase();

export function createDirectoryService(deps: DirectoryServiceDeps) {
  const { queries, users, audit, clock, store } = deps;

  const directoryFor = (realm: string | undefined) => (realm === undefined ? store.defaultDirectory() : store.get(realm));

  function rolesFor(d: Directory, groups: string[]): string[] {
    const mapped = groups.flatMap((g) => Object.entries(d.groupRoles).filter(([cn]) => cn.toLowerCase() === g.toLowerCase()).map(([, role]) => role));
    return [...new Set([...deps.roles.defaults, ...mapped])].sort();
  }

  /** The local user of a bound entry: updated when linked, created when new, refused when an unlinked local account has the email. */
  async function localUser(d: Directory, entry: DirectoryEntry, roles: string[]): Promise<User | 'conflict'> {
    const provider = providerOf(d.realm);
    const email = emailOf(d, entry);
    const linked = await queries.userIdentities.find(provider, entry.externalId);
    let user = linked && (await users.get(linked.userId));
    if (!user) {
      if (await users.findByEmail(email)) return 'conflict';
      await store.ensureRealm(d.realm);
      const input = { email, displayName: entry.displayName ?? entry.username ?? email, roles, defaultRole: deps.roles.defaultRole, active: true };
      const wanted = entry.username && isValidUsername(entry.username) ? entry.username : null;
      try {
        user = await users.create({ ...input, username: wanted }).catch((err) => {
          if (err instanceof AppError && err.code === 'username-in-use') return users.create({ ...input, username: null });
          throw err;
        });
      } catch (err) {
        // Two first logins at once: the other one created the user; it is linked or it conflicts.
        if (err instanceof AppError && err.code === 'email-in-use') return 'conflict';
        throw err;
      }
      await queries.users.activate(user.id, clock.now()); // the directory vouches for the address
      try {
        await queries.userIdentities.insert({ provider, subject: entry.externalId, userId: user.id, email, login: entry.username, createdAt: clock.now() });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    } else {
      if (user.email !== email) {
        try {
          await users.setEmail(user.id, email, true);
        } catch (err) {
          if (err instanceof AppError && err.code === 'email-in-use') return 'conflict';
          throw err;
        }
      }
      if (user.roles.join(',') !== roles.join(',')) await users.setRoles(user.id, roles, roles.includes(user.defaultRole) ? user.defaultRole : deps.roles.defaultRole);
      await queries.userIdentities.touch(provider, entry.externalId, { email, login: entry.username }, clock.now());
    }
    if (user.realm !== d.realm) await users.setRealm(user.id, d.realm);
    return (await users.get(user.id))!;
  }

  const service = {
    async handles(realm: string | undefined): Promise<boolean> {
      return Boolean(await directoryFor(realm));
    },

    /** The realm of the default directory (searched by logins that name no realm), if there is one. */
    async defaultRealm(): Promise<string | undefined> {
      return (await store.defaultDirectory())?.realm;
    },

    async authenticate(input: { login: string; password: string; realm: string | undefined }): Promise<DirectoryOutcome> {
      const d = await directoryFor(input.realm);
      if (!d) return { outcome: 'invalid' };
      const result = await withConnection(d, async (client) => {
        const entries = await findEntries(client, d, input.login);
        // An empty password would be an unauthenticated bind, which LDAP servers accept: never a sign-in.
        if (entries.length !== 1 || input.password === '') {
          // The same round trip as a wrong password, so the answer's timing does not tell who exists.
          await bindAs(client, `cn=gatehouse-nobody,${d.searchBase}`, input.password || 'x').catch(() => false);
          return undefined;
        }
        const entry = entries[0]!;
        if (!(await bindAs(client, entry.dn, input.password))) return undefined;
        return { entry, groups: await groupsOf(client, d, entry.dn) };
      });
      if (!result) return { outcome: 'invalid' };
      const user = await localUser(d, result.entry, rolesFor(d, result.groups));
      if (user === 'conflict') {
        await audit.record({ actor: null, action: 'directory.conflict', subject: emailOf(d, result.entry), outcome: 'failure', detail: { realm: d.realm, reason: 'a local account has this email and is not linked to the directory entry' } });
        return { outcome: 'conflict' };
      }
      return { outcome: 'ok', user };
    },

    /** The realm whose directory owns this user's password, or null for a local password. */
    async passwordRealm(userId: string): Promise<string | null> {
      const ldap = (await queries.userIdentities.ofUser(userId)).find((i) => i.provider.startsWith('ldap:'));
      return ldap ? ldap.provider.slice('ldap:'.length) : null;
    },

    /** Refuses a password change for a directory user, with a message that says where to change it. */
    async refusePasswordChange(userId: string): Promise<void> {
      const realm = await service.passwordRealm(userId);
      if (realm) throw new AppError('password-managed-by-directory', 409, `This account's password is managed by the directory of realm ${realm}; change it there`);
    },

    /** Links a local account to a directory entry (looked up, not bound) so that the entry signs it in. */
    async link(realm: string, userId: string, login: string): Promise<void> {
      const d = await store.get(realm);
      if (!d) throw errors.notFound(`No directory for realm ${realm}`);
      const user = await users.get(userId);
      if (!user) throw errors.notFound('No such user');
      const entries = await withConnection(d, (client) => findEntries(client, d, login));
      if (entries.length !== 1) throw errors.notFound(entries.length ? 'The login matches several directory entries' : 'No directory entry matches this login');
      const entry = entries[0]!;
      try {
        await queries.userIdentities.insert({ provider: providerOf(realm), subject: entry.externalId, userId, email: entry.email, login: entry.username, createdAt: clock.now() });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('identity-linked', 409, 'This directory entry is linked to an account already');
        throw err;
      }
      await audit.record({ actor: 'admin', action: 'directory.link', subject: userId, outcome: 'success', detail: { realm } });
    },
  };
  return service;
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;
