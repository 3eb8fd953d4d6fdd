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

export interface AuthServiceDeps {
  queries: Queries;
  users: UserService;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  refreshTokens: RefreshTokens;
  accessTokens: AccessTokens;
  clock: Clock;
  random: Random;
}

const canSignIn = (u: User) => u.active && !u.disabled;

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
     * Unknown email, wrong password, inactive and disabled accounts all end in the same
     * error after one password verification, so neither answer nor timing tells them apart.
     */
    async login(
      input: { email: string; password: string; device?: TrustedDevice },
      client: ClientInfo,
    ): Promise<{ session: Session; deviceId: string }> {
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
      await queries.users.touchLogin(user.id, clock.now());
      return { session: await startSession(user, client), deviceId: trusted?.id ?? deps.random.bytes(18).toString('base64url') };
    },

    async refresh(token: string, client: ClientInfo, admit?: (userId: string) => Promise<void>): Promise<Session> {
      const next = await refreshTokens.rotate(token, client, admit);
      const user = await users.get(next.userId);
      if (!user || !canSignIn(user)) {
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
