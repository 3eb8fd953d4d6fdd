import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { AccessClaims, AccessTokens } from '../tokens/access-tokens.js';
import type { RefreshTokens } from '../sessions/refresh-tokens.js';
import { canSignIn, type ClientInfo, type SessionRegistry } from '../sessions/registry.js';
import type { NewUserInput, User, UserService } from '../users/service.js';
import type { TicketShape, Tickets } from '../tickets/service.js';
import type { MfaService } from '../mfa/service.js';
import type { LoginPipeline, SecondFactorMethod, TrustedDevice } from './pipeline.js';
import type { Reauthentication } from './reauthentication.js';
import type { ApiTokens } from '../api-tokens/service.js';
import { createSecondStep, type SecondStepDeps } from './second-step.js';

export type { TrustedDevice } from './pipeline.js';

export interface Session {
  accessToken: string;
  accessExpiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
  /** The session the tokens belong to (HBP cookie mode binds its permission_variables cookie to it). */
  sessionId: string;
  user: User;
}

/** A password login either opens a session, or, for MFA users, hands out a ticket for the second step. */
export type SignInResult =
  | { kind: 'session'; session: Session }
  | { kind: 'mfa'; mfaTicket: string; methods?: SecondFactorMethod[] };

export { MFA_TICKET_ATTEMPTS, type SecondStepProof } from './second-step.js';

export interface AuthServiceDeps extends SecondStepDeps {
  tickets: Tickets;
  mfa: MfaService;
  queries: Queries;
  users: UserService;
  hasher: PasswordHasher;
  pipeline: LoginPipeline;
  sessions: SessionRegistry;
  refreshTokens: RefreshTokens;
  accessTokens: AccessTokens;
  audit: Audit;
  clock: Clock;
  random: Random;
  /** The check that a session proved its secret recently (REAUTH_MAX_AGE). */
  reauth: Pick<Reauthentication, 'requireFresh'>;
  apiTokens: Pick<ApiTokens, 'verify'>;
}

/** The native (HBP) sessions: access + rotating refresh token, on top of the one pipeline and registry. */
export function createAuthService(deps: AuthServiceDeps) {
  const { queries, users, sessions, refreshTokens, accessTokens, clock } = deps;

  /** Opens a session; `claims` adds Hasura claims to its first access token only (a refresh drops them). */
  async function startSession(
    user: User,
    client: ClientInfo,
    door = 'hbp',
    proven = true,
    claims?: Record<string, string>,
  ): Promise<Session> {
    const refresh = await refreshTokens.open(user.id, door, client, { proven });
    return {
      accessToken: await accessTokens.sign(user, refresh.familyId, claims),
      accessExpiresIn: accessTokens.lifetimeSeconds,
      refreshToken: refresh.token,
      refreshExpiresAt: refresh.expiresAt,
      sessionId: refresh.familyId,
      user,
    };
  }

  return {
    startSession,

    /** What an account is asked for after a first factor that is not a passkey (TOTP, passkeys): none, or those. */
    secondFactorsOf: (user: User) => deps.pipeline.secondFactors(user),

    /**
     * The second factors a live MFA ticket's user is asked for (what a second step's page offers), read from the
     * account, never from the client; none for a ticket that is spent, expired or unknown.
     */
    async secondFactorsOfTicket(ticket: string): Promise<SecondFactorMethod[]> {
      const found = ticket ? await deps.tickets.peek('mfa', ticket) : undefined;
      const user = found && (await users.get(found.userId));
      return user ? deps.pipeline.secondFactors(user) : [];
    },

    /** Creates the account; a session is returned only when the account is active at once. */
    async register(input: NewUserInput, client: ClientInfo, door = 'hbp'): Promise<{ user: User; session?: Session }> {
      const user = await users.create(input);
      return canSignIn(user, clock.now()) ? { user, session: await startSession(user, client, door) } : { user };
    },

    /**
     * A password login of a door whose sessions are access + refresh pairs (HBP's, hasura-auth's): a
     * session, or an MFA ticket (in the door's `ticketShape`) for users with a second factor.
     */
    async login(
      input: { identifier: string; password: string; device?: TrustedDevice; door?: string; ticketShape?: TicketShape },
      client: ClientInfo,
    ): Promise<SignInResult & { deviceId: string }> {
      const door = input.door ?? 'hbp';
      const result = await deps.pipeline.authenticate({
        door,
        identifier: input.identifier,
        password: input.password,
        secondFactor: 'ticket',
        ticketShape: input.ticketShape,
        client,
        device: input.device,
      });
      const { user } = result;
      const deviceId = input.device?.userId === user.id ? input.device.id : deps.random.bytes(18).toString('base64url');
      if (result.kind === 'second-factor-required')
        return { kind: 'mfa', mfaTicket: result.ticket!, methods: result.methods, deviceId };
      return { kind: 'session', session: await startSession(user, client, door), deviceId };
    },

    /** The second step of a password login, with a TOTP code or a passkey assertion (second-step.ts). */
    completeSecondStep: createSecondStep(deps, startSession),
    /** The same step without a session: the user the ticket and proof name (the identity provider's page). */
    proveSecondStep: createSecondStep(deps, async (user) => user),

    async refresh(
      token: string,
      client: ClientInfo,
      admit?: (userId: string) => Promise<void>,
      door = 'hbp',
    ): Promise<Session> {
      const next = await refreshTokens.rotate(token, client, admit).catch(async (err: unknown) => {
        if (errors.refreshTokenReused.is(err)) {
          await deps.audit.record({
            actor: null,
            action: 'refresh.reuse',
            door,
            outcome: 'failure',
            ip: client.ip,
            userAgent: client.userAgent,
            detail: { reason: 'the session was revoked' },
          });
        }
        throw err;
      });
      deps.audit.note({
        actor: next.userId,
        action: 'refresh.rotate',
        subject: next.userId,
        door,
        outcome: 'success',
      });
      const { user } = next;
      if (!canSignIn(user, clock.now())) {
        await sessions.revokeAll(next.userId, {
          actor: { kind: 'system', id: null },
          reason: user.disabled ? 'disabled' : 'banned',
        });
        throw errors.invalidRefreshToken();
      }
      await sessions.seen(user.id, next.familyId);
      return {
        accessToken: await accessTokens.sign(user, next.familyId),
        accessExpiresIn: accessTokens.lifetimeSeconds,
        refreshToken: next.token,
        refreshExpiresAt: next.expiresAt,
        sessionId: next.familyId,
        user,
      };
    },

    /**
     * Ends the caller's session (given by its refresh token, or by the access token's
     * session id), or all of the user's sessions in every dialect when `all`.
     */
    async logout(input: {
      refreshToken?: string;
      caller?: AccessClaims;
      all: boolean;
      client: ClientInfo;
    }): Promise<void> {
      const bySession = input.refreshToken ? await refreshTokens.identify(input.refreshToken) : undefined;
      const userId = bySession?.userId ?? input.caller?.userId;
      if (!userId) {
        if (input.refreshToken && !input.all) return; // an already dead session: nothing left to end
        throw errors.unauthenticated();
      }
      const actor = { kind: 'user' as const, id: userId, ...input.client };
      if (input.all) await sessions.revokeAll(userId, { actor, reason: 'logout-all' });
      else await sessions.revoke(bySession?.familyId ?? input.caller!.sessionId, { userId, actor });
    },

    /**
     * A session from a personal bearer token (hasura-auth's `POST /signin/pat`). It starts unproven: a
     * token must not mint lasting credentials (another token, a password) that outlive it.
     */
    async signInWithPersonalToken(token: string, client: ClientInfo, door: string): Promise<Session> {
      const found = await deps.apiTokens.verify(token, 'bearer');
      const user = found && (await users.get(found.userId));
      const ok = user !== undefined && user !== null && canSignIn(user, clock.now());
      const subject = found?.userId ?? null;
      const { ip, userAgent } = client;
      const event = { actor: subject, action: 'login.token', subject, door, ip, userAgent };
      await deps.audit.record({ ...event, outcome: ok ? 'success' : 'failure', detail: null });
      if (!ok) throw errors.invalidPersonalToken();
      await queries.users.touchLogin(user.id, clock.now());
      return startSession(user, client, door, false);
    },

    /**
     * Sets a new password without the old one, for a session that proved the user's identity within
     * REAUTH_MAX_AGE (checked here): the doors whose clients send no old password (hasura-auth). Every
     * other session of the user, in every dialect, ends.
     */
    async setPasswordWhenProven(input: { caller: AccessClaims; newPassword: string; client: ClientInfo }) {
      const { caller, client } = input;
      await deps.reauth.requireFresh(caller);
      await users.requireLocalPassword(caller.userId);
      await users.setPassword(caller.userId, input.newPassword);
      await sessions.revokeAll(caller.userId, {
        actor: { kind: 'user', id: caller.userId, ...client },
        reason: 'password-changed',
        except: caller.sessionId,
      });
      const { ip, userAgent } = client;
      const subject = caller.userId;
      await deps.audit.record({
        actor: subject,
        action: 'password.change',
        subject,
        outcome: 'success',
        ip,
        userAgent,
      });
    },

    /**
     * Changes the password after checking the old one through the login pipeline (its limits,
     * failure counter and audit: no password oracle); the caller's session counts as proven, and
     * every other session of the user, in every dialect, ends.
     */
    async changePassword(input: {
      caller: AccessClaims;
      oldPassword: string;
      newPassword: string;
      client: ClientInfo;
    }): Promise<void> {
      await users.requireLocalPassword(input.caller.userId); // a directory user's is the directory's
      const user = await users.get(input.caller.userId);
      if (!user?.passwordHash) throw errors.unauthenticated();
      users.checkPassword(input.newPassword); // a weak new password must not cost a guess
      const check = { door: 'hbp', identifier: user.email, password: input.oldPassword, client: input.client };
      const wrong = (err: unknown) => errors.invalidCredentials.is(err);
      const verify = { ...check, secondFactor: 'not-asked' as const, account: user.id, action: 'password.verify' };
      await deps.pipeline.authenticate(verify).catch((err: unknown) => {
        throw wrong(err) ? errors.invalidCredentials('The current password is incorrect') : err;
      });
      await users.setPassword(user.id, input.newPassword);
      await sessions.prove(user.id, input.caller.sessionId);
      await sessions.revokeAll(user.id, {
        actor: { kind: 'user', id: user.id, ...input.client },
        reason: 'password-changed',
        except: input.caller.sessionId,
      });
      await deps.audit.record({
        actor: user.id,
        action: 'password.change',
        subject: user.id,
        outcome: 'success',
        ip: input.client.ip,
        userAgent: input.client.userAgent,
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
