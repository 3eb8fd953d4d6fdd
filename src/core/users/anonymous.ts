import type { Queries } from '../../db/queries/index.js';
import { isUniqueViolation } from '../../db/dialect.js';
import type { AuthService, Session } from '../auth/service.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import type { ClientInfo, SessionRegistry } from '../sessions/registry.js';
import { normalizeEmail } from './email.js';
import type { User, UserService } from './service.js';

/** What an anonymous user is given to become an ordinary account. */
export interface Deanonymization {
  email: string;
  /** Absent: a passwordless account, signed in by mailed links and codes. */
  password?: string;
  roles?: string[];
  defaultRole?: string;
  displayName?: string;
}

/** The role of anonymous users, as Hasura permissions know it. */
export const ANONYMOUS_ROLE = 'anonymous';
/** Anonymous users hold a reserved, undeliverable address (RFC 2606 `.invalid`) until they give theirs. */
export const ANONYMOUS_DOMAIN = 'anonymous.invalid';

export interface AnonymousUsersDeps {
  users: UserService;
  queries: Queries;
  auth: Pick<AuthService, 'startSession'>;
  sessions: Pick<SessionRegistry, 'revokeAll'>;
  clock: Clock;
  random: Random;
  /** The roles an ordinary account gets (DEFAULT_ALLOWED_USER_ROLES, DEFAULT_USER_ROLE). */
  defaults: { roles: string[]; defaultRole: string };
}

/**
 * Anonymous users: an account with no credential of its own, only the session it signed in with. It has
 * no password, so no password door lets it in; `deanonymize` gives it an address and a password.
 */
export function createAnonymousUsers(deps: AnonymousUsersDeps) {
  const { users, queries, clock } = deps;
  return {
    async signIn(
      profile: { displayName?: string; locale?: string; metadata?: Record<string, unknown> },
      client: ClientInfo,
      door: string,
    ): Promise<Session> {
      const email = `${deps.random.uuid()}@${ANONYMOUS_DOMAIN}`;
      const user = await users.create({
        email,
        displayName: profile.displayName ?? 'Anonymous',
        locale: profile.locale,
        metadata: profile.metadata ?? {},
        roles: [ANONYMOUS_ROLE],
        defaultRole: ANONYMOUS_ROLE,
        active: true,
        anonymous: true,
      });
      return deps.auth.startSession(user, client, door);
    },

    /**
     * The anonymous user becomes an ordinary account with this address (unverified) and, given one, a password;
     * without one (hasura-auth's passwordless deanonymize) its first magic link proves the address. Its roles are
     * the profile's (checked by the caller against ALLOWED_USER_ROLES) or an ordinary account's. Its anonymous
     * sessions end, as hasura-auth ends them: the next sign-in is with the new credentials.
     */
    async deanonymize(userId: string, input: Deanonymization): Promise<User> {
      const user = await users.get(userId);
      if (!user) throw errors.unauthenticated();
      if (!user.anonymous) throw errors.userNotAnonymous();
      if (input.password !== undefined) users.checkPassword(input.password); // a weak one must not cost the address
      const email = normalizeEmail(input.email);
      try {
        await queries.users.deanonymize(userId, email, clock.now());
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.emailInUse();
        throw err;
      }
      if (input.password !== undefined) await users.setPassword(userId, input.password);
      await users.setRoles(userId, input.roles ?? deps.defaults.roles, input.defaultRole ?? deps.defaults.defaultRole);
      await users.setDisplayName(userId, input.displayName ?? email);
      await deps.sessions.revokeAll(userId, { actor: { kind: 'user', id: userId }, reason: 'deanonymized' });
      return (await users.get(userId)) ?? user;
    },
  };
}

export type AnonymousUsers = ReturnType<typeof createAnonymousUsers>;
