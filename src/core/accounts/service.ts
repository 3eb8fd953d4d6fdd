import type { Queries } from '../../db/queries/index.js';
import { violatesUniqueOf } from '../../db/dialect.js';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { Actor } from '../sessions/actor.js';
import type { SessionRegistry } from '../sessions/registry.js';
import { isValidUsername, USERNAME_RULE, type User, type UserService } from '../users/service.js';

export interface AccountDeps {
  queries: Queries;
  users: UserService;
  sessions: SessionRegistry;
  audit: Audit;
  clock: Clock;
}

/**
 * Account administration: every change that decides whether a user may act ends their
 * credentials in every dialect through the session registry, and leaves an audit entry.
 */
export function createAccounts(deps: AccountDeps) {
  const { queries, users, sessions, audit, clock } = deps;

  async function target(userId: string): Promise<User> {
    const user = await users.get(userId);
    if (!user) throw errors.notFound('No such user');
    return user;
  }

  const record = audit.recordBy;

  return {
    target,
    record,

    async remove(userId: string, actor: Actor): Promise<void> {
      await target(userId);
      // Through the one revocation first: what every door issued ends, and the identity provider's clients are told.
      await sessions.revokeAll(userId, { actor, reason: 'deleted' });
      await queries.users.remove(userId);
      sessions.forget(userId);
      await record(actor, 'user.delete', userId);
    },

    /** Sets a password chosen by an admin; the user's sessions end. */
    async setPassword(userId: string, password: string, actor: Actor): Promise<void> {
      await target(userId);
      await users.setPassword(userId, password);
      await sessions.revokeAll(userId, { actor, reason: 'admin' });
      await record(actor, 'password.set', userId);
    },

    async setDisabled(userId: string, disabled: boolean, actor: Actor): Promise<void> {
      await target(userId);
      await users.setDisabled(userId, disabled);
      if (disabled) await sessions.revokeAll(userId, { actor, reason: 'disabled' });
      sessions.forget(userId);
      await record(actor, disabled ? 'user.disable' : 'user.enable', userId);
    },

    /** Refuses every sign-in until `until`; the user's sessions end now. */
    async ban(userId: string, until: Date, reason: string | null, actor: Actor): Promise<void> {
      await target(userId);
      if (until <= clock.now()) throw errors.validation('The ban must end in the future');
      await queries.users.setBan(userId, until, reason, clock.now());
      await sessions.revokeAll(userId, { actor, reason: 'banned' });
      await record(actor, 'user.ban', userId, { until: until.toISOString(), ...(reason ? { reason } : {}) });
    },

    async unban(userId: string, actor: Actor): Promise<void> {
      await target(userId);
      await queries.users.setBan(userId, null, null, clock.now());
      sessions.forget(userId);
      await record(actor, 'user.unban', userId);
    },

    async setRoles(userId: string, roles: string[], defaultRole: string, actor: Actor): Promise<void> {
      await target(userId);
      await users.setRoles(userId, roles, defaultRole);
      sessions.forget(userId);
      await record(actor, 'user.roles', userId, { roles, default_role: defaultRole });
    },

    async setRealm(userId: string, realm: string, actor: Actor): Promise<void> {
      await target(userId);
      await users.setRealm(userId, realm);
      sessions.forget(userId);
      await record(actor, 'user.realm', userId, { realm });
    },

    async setUsername(userId: string, username: string, actor: Actor): Promise<void> {
      await target(userId);
      if (!isValidUsername(username)) throw errors.validation(USERNAME_RULE);
      try {
        await queries.users.setUsername(userId, username, clock.now());
      } catch (err) {
        if (violatesUniqueOf(err, 'username')) throw errors.usernameInUse();
        throw err;
      }
      sessions.forget(userId);
      await record(actor, 'user.username', userId, { username });
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
