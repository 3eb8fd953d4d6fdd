import type { Queries } from '../../db/queries/index.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { AccessClaims, AccessTokens } from '../tokens/access-tokens.js';
import type { ClientInfo, RefreshTokens } from '../sessions/refresh-tokens.js';
import type { LoginThrottle } from '../throttle/login-failures.js';
import { normalizeEmail } from '../users/email.js';
import type { NewUserInput, User, UserService } from '../users/service.js';
import type { Tickets } from '../tickets/service.js';
import { mfaErrors, type MfaService } from '../mfa/service.js';

export interface Session {
  accessToken: string;
  accessExpiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
  user: User;
}

/** A device that logged in to this account before; it keeps access while the account is throttled. */
export interface TrustedDevice {
  userId: string;
  id: string;
}

/** A password login either opens a session, or, for MFA users, hands out a ticket for the second step. */
export type SignInResult = { kind: 'session'; session: Session } | { kind: 'mfa'; mfaTicket: string };

/** Wrong codes allowed per MFA ticket before it is void. */
export const MFA_TICKET_ATTEMPTS = 5;

export interface AuthServiceDeps {
  tickets: Tickets;
  mfa: MfaService;
  /** Counts wrong second factors per user: each ticket allows 5, this bounds them across tickets. */
  mfaThrottle: LoginThrottle;
  queries: Queries;
  users: UserService;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  refreshTokens: RefreshTokens;
  accessTokens: AccessTokens;
  clock: Clock;
  random: Random;
}

export const canSignIn = (u: User) => u.active && !u.disabled;

/** Password sign-in, sessions and their tokens. */
export function createAuthService(deps: AuthServiceDeps) {
  const { queries, users, hasher, throttle, refreshTokens, accessTokens, clock } = deps;

  async function startSession(user: User, client: ClientInfo): Promise<Session> {
    const refresh = await refreshTokens.issue(user.id, client);
    return {
      accessToken: await accessTokens.sign(user, refresh.familyId),
      accessExpiresIn: accessTokens.lifetimeSeconds,
      refreshToken: refresh.token,
      refreshExpiresAt: refresh.expiresAt,
      user,
    };
  }

  return {
    startSession,

    /** Creates the account; a session is returned only when the account is active at once. */
    async register(input: NewUserInput, client: ClientInfo): Promise<{ user: User; session?: Session }> {
      const user = await users.create(input);
      return canSignIn(user) ? { user, session: await startSession(user, client) } : { user };
    },

    /**
     * Checks a password, throttled per account. Unknown email, wrong password, inactive and
     * disabled accounts all end in the same error after one password verification, so
     * neither answer nor timing tells them apart. Opens no session: every dialect does that its own way.
     */
    async checkPassword(input: { email: string; password: string; device?: TrustedDevice }): Promise<User> {
      const email = normalizeEmail(input.email);
      const password = input.password.normalize('NFC');
      const user = await users.findByEmail(email);
      const trusted = user && input.device?.userId === user.id ? input.device : undefined;
      const attempt = await throttle.begin(trusted ? `device:${sha256(trusted.id)}` : `account:${sha256(email)}`);

      if (!user?.passwordHash) {
        await hasher.verifyDummy(password);
        attempt.fail();
        throw errors.invalidCredentials();
      }
      const result = await hasher.verify(user.passwordHash, password);
      if (!result.ok || !canSignIn(user)) {
        attempt.fail();
        throw errors.invalidCredentials();
      }
      await attempt.succeed();
      if (result.needsRehash) await queries.users.setPasswordHash(user.id, await hasher.hash(password), clock.now());
      return user;
    },

    /** The native login: a session, or an MFA ticket for users with a second factor. */
    async login(
      input: { email: string; password: string; device?: TrustedDevice },
      client: ClientInfo,
    ): Promise<SignInResult & { deviceId: string }> {
      const user = await this.checkPassword(input);
      const deviceId = input.device?.userId === user.id ? input.device.id : deps.random.bytes(18).toString('base64url');
      if (user.mfaEnabled) return { kind: 'mfa', mfaTicket: await deps.tickets.issue('mfa', user), deviceId };
      await queries.users.touchLogin(user.id, clock.now());
      return { kind: 'session', session: await startSession(user, client), deviceId };
    },

    /**
     * Second step of an MFA login: a TOTP or recovery code against the ticket. Every try
     * counts before the code is checked; after MFA_TICKET_ATTEMPTS the ticket is void.
     */
    async completeMfa(ticket: string, code: string, client: ClientInfo): Promise<Session> {
      const { userId } = await deps.tickets.attempt('mfa', ticket, MFA_TICKET_ATTEMPTS);
      const attempt = await deps.mfaThrottle.begin(`mfa:${userId}`);
      if (!(await deps.mfa.verify(userId, code))) {
        attempt.fail();
        throw mfaErrors.invalidCode();
      }
      await attempt.succeed();
      await deps.tickets.consume('mfa', ticket);
      const user = await users.get(userId);
      if (!user || !canSignIn(user)) throw errors.invalidCredentials();
      await queries.users.touchLogin(user.id, clock.now());
      return startSession(user, client);
    },

    async refresh(token: string, client: ClientInfo, admit?: (userId: string) => Promise<void>): Promise<Session> {
      const next = await refreshTokens.rotate(token, client, admit);
      const { user } = next;
      if (!canSignIn(user)) {
        await refreshTokens.revokeAll(next.userId);
        throw errors.invalidRefreshToken();
      }
      return {
        accessToken: await accessTokens.sign(user, next.familyId),
        accessExpiresIn: accessTokens.lifetimeSeconds,
        refreshToken: next.token,
        refreshExpiresAt: next.expiresAt,
        user,
      };
    },

    /**
     * Ends the caller's session (given by its refresh token, or by the access token's
     * session id), or all of the user's sessions when `all`.
     */
    async logout(input: { refreshToken?: string; caller?: AccessClaims; all: boolean }): Promise<void> {
      const bySession = input.refreshToken ? await refreshTokens.identify(input.refreshToken) : undefined;
      const userId = bySession?.userId ?? input.caller?.userId;
      if (!userId) {
        if (input.refreshToken && !input.all) return; // an already dead session: nothing left to end
        throw errors.unauthenticated();
      }
      if (input.all) await refreshTokens.revokeAll(userId);
      else await refreshTokens.revokeFamily(bySession?.familyId ?? input.caller!.sessionId);
    },

    /** Changes the password after checking the old one; every other session of the user ends. */
    async changePassword(input: { caller: AccessClaims; oldPassword: string; newPassword: string }): Promise<void> {
      const user = await users.get(input.caller.userId);
      if (!user?.passwordHash) throw errors.unauthenticated();
      const result = await hasher.verify(user.passwordHash, input.oldPassword.normalize('NFC'));
      if (!result.ok) throw errors.invalidCredentials('The current password is incorrect');
      await users.setPassword(user.id, input.newPassword);
      await refreshTokens.revokeAll(user.id, input.caller.sessionId);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
