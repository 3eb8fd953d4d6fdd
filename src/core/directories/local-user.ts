import type { Queries } from '../../db/queries/index.js';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import { isValidUsername, type User, type UserService } from '../users/service.js';
import type { DirectoryEntry } from './ldap.js';
import type { DirectoryStore } from './store.js';
import { providerOf } from './password-realm.js';
import type { Directory } from './settings.js';

/** A directory entry without a mail attribute still needs a unique address: one under the reserved .invalid TLD. */
export const emailOf = (d: Directory, e: DirectoryEntry) =>
  (
    e.email ?? `${(e.username ?? e.externalId).replace(/[^0-9A-Za-z._-]/g, '_')}@${d.realm}.directory.invalid`
  ).toLowerCase();

const displayNameOf = (e: DirectoryEntry, email: string) => e.displayName ?? e.username ?? email;

/** Why a bound entry was not given its local user: the address belongs to another, unlinked account. */
export type Conflict = { conflict: string };

const isEmailInUse = (err: unknown) => errors.emailInUse.is(err);

/**
 * The local user of a bound directory entry, kept in step with it at each login: created when
 * new, and when linked its email, display name, roles and realm follow the directory. An address
 * that belongs to another account is never taken over.
 */
export function createLocalUsers(deps: {
  queries: Queries;
  users: UserService;
  clock: Clock;
  store: DirectoryStore;
  defaultRole: string;
}) {
  const { queries, users, clock, store } = deps;

  async function create(d: Directory, entry: DirectoryEntry, roles: string[]): Promise<User | Conflict> {
    const email = emailOf(d, entry);
    const taken: Conflict = { conflict: 'a local account has this email and is not linked to the directory entry' };
    if (await users.findByEmail(email)) return taken;
    await store.ensureRealm(d.realm);
    const input = {
      email,
      displayName: displayNameOf(entry, email),
      roles,
      defaultRole: deps.defaultRole,
      active: true,
    };
    const wanted = entry.username && isValidUsername(entry.username) ? entry.username : null;
    let user: User;
    try {
      user = await users.create({ ...input, username: wanted }).catch((err) => {
        if (errors.usernameInUse.is(err)) return users.create({ ...input, username: null });
        throw err;
      });
    } catch (err) {
      // Two first logins at once: the other one created the user; it is linked or it conflicts.
      if (isEmailInUse(err)) return taken;
      throw err;
    }
    await queries.users.activate(user.id, clock.now()); // the directory vouches for the address
    try {
      await queries.userIdentities.insert({
        provider: providerOf(d.realm),
        subject: entry.externalId,
        userId: user.id,
        email,
        login: entry.username,
        createdAt: clock.now(),
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    return user;
  }

  async function update(d: Directory, entry: DirectoryEntry, roles: string[], user: User): Promise<User | Conflict> {
    const email = emailOf(d, entry);
    if (user.email !== email) {
      try {
        await users.setEmail(user.id, email, true);
      } catch (err) {
        if (isEmailInUse(err)) return { conflict: 'the directory entry has a new email, which another account has' };
        throw err;
      }
    }
    const displayName = displayNameOf(entry, email);
    if (user.displayName !== displayName) await users.setDisplayName(user.id, displayName);
    if (user.roles.join(',') !== roles.join(','))
      await users.setRoles(user.id, roles, roles.includes(user.defaultRole) ? user.defaultRole : deps.defaultRole);
    await queries.userIdentities.touch(
      providerOf(d.realm),
      entry.externalId,
      { email, login: entry.username },
      clock.now(),
    );
    return user;
  }

  return async function localUser(d: Directory, entry: DirectoryEntry, roles: string[]): Promise<User | Conflict> {
    const linked = await queries.userIdentities.find(providerOf(d.realm), entry.externalId);
    const existing = linked && (await users.get(linked.userId));
    const user = existing ? await update(d, entry, roles, existing) : await create(d, entry, roles);
    if ('conflict' in user) return user;
    if (user.realm !== d.realm) await users.setRealm(user.id, d.realm);
    return (await users.get(user.id))!;
  };
}
