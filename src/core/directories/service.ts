import type { Queries } from '../../db/queries/index.js';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { User, UserService } from '../users/service.js';
import { bindAs, findEntries, groupsOf, withConnection } from './ldap.js';
import { createLocalUsers, emailOf } from './local-user.js';
import { passwordRealmOf, providerOf } from './password-realm.js';
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

export { providerOf };

export function createDirectoryService(deps: DirectoryServiceDeps) {
  const { queries, users, audit, clock, store } = deps;
  const localUser = createLocalUsers({ queries, users, clock, store, defaultRole: deps.roles.defaultRole });

  const directoryFor = (realm: string | undefined) =>
    realm === undefined ? store.defaultDirectory() : store.get(realm);

  function rolesFor(d: Directory, groups: string[]): string[] {
    const mapped = groups.flatMap((g) =>
      Object.entries(d.groupRoles)
        .filter(([cn]) => cn.toLowerCase() === g.toLowerCase())
        .map(([, role]) => role),
    );
    return [...new Set([...deps.roles.defaults, ...mapped])].sort();
  }

  const service = {
    async handles(realm: string | undefined): Promise<boolean> {
      return Boolean(await directoryFor(realm));
    },

    /** The realm of the default directory (searched by logins that name no realm), if there is one. */
    async defaultRealm(): Promise<string | undefined> {
      return (await store.defaultDirectory())?.realm;
    },

    async authenticate(input: {
      login: string;
      password: string;
      realm: string | undefined;
    }): Promise<DirectoryOutcome> {
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
      if ('conflict' in user) {
        await audit.record({
          actor: null,
          action: 'directory.conflict',
          subject: emailOf(d, result.entry),
          outcome: 'failure',
          detail: { realm: d.realm, reason: user.conflict },
        });
        return { outcome: 'conflict' };
      }
      return { outcome: 'ok', user };
    },

    /** The realm whose directory owns this user's password, or null for a local password. */
    passwordRealm: (userId: string) => passwordRealmOf(queries, userId),

    /** Links a local account to a directory entry (looked up, not bound) so that the entry signs it in. */
    async link(realm: string, userId: string, login: string): Promise<void> {
      const d = await store.get(realm);
      if (!d) throw errors.notFound(`No directory for realm ${realm}`);
      const user = await users.get(userId);
      if (!user) throw errors.notFound('No such user');
      const entries = await withConnection(d, (client) => findEntries(client, d, login));
      if (entries.length !== 1)
        throw errors.notFound(
          entries.length ? 'The login matches several directory entries' : 'No directory entry matches this login',
        );
      const entry = entries[0]!;
      try {
        await queries.userIdentities.insert({
          provider: providerOf(realm),
          subject: entry.externalId,
          userId,
          email: entry.email,
          login: entry.username,
          createdAt: clock.now(),
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.identityLinked(undefined, { cause: err });
        throw err;
      }
      await audit.record({
        actor: 'admin',
        action: 'directory.link',
        subject: userId,
        outcome: 'success',
        detail: { realm },
      });
    },
  };
  return service;
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;
