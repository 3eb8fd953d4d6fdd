import type { Queries } from '../../db/queries/index.js';
import type { Audit } from '../audit/service.js';
import type { PasskeyProof } from '../auth/pipeline.js';
import { MFA_TICKET_ATTEMPTS } from '../auth/service.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';
import { canSignIn, type ClientInfo } from '../sessions/registry.js';
import type { LoginThrottle } from '../throttle/login-failures.js';
import type { Tickets } from '../tickets/service.js';
import type { User, UserService } from '../users/service.js';
import type { AuthenticationResponseJSON, Ceremonies } from './ceremonies.js';
import type { Ceremony, Challenges } from './challenges.js';

export interface SecondFactorDeps {
  queries: Queries;
  tickets: Tickets;
  /** The per-user counter of wrong second factors, shared with TOTP codes. */
  mfaThrottle: LoginThrottle;
  users: Pick<UserService, 'get' | 'touchLogin'>;
  audit: Audit;
  clock: Clock;
  challenges: Challenges;
  ceremonies: Ceremonies;
  assertion(
    response: AuthenticationResponseJSON,
    ceremony: Ceremony,
    bound: { userId?: string | null; sessionId?: string | null },
  ): Promise<PasskeyProof>;
}

/**
 * The passkey as the second step of a password login, like a TOTP code: the MFA ticket of the first
 * step names the user, the challenge is bound to that ticket, and every try counts against the ticket
 * (5) and the user's MFA failures (20 an hour) before the assertion is checked.
 */
export function createSecondFactor(deps: SecondFactorDeps) {
  const { tickets, users } = deps;
  return {
    /** Options for the second step: the ticket holder's passkeys (each call counts as one of the ticket's tries). */
    async secondFactorOptions(ticket: string) {
      const { userId } = await tickets.attempt('mfa', ticket, MFA_TICKET_ATTEMPTS);
      const binding = { userId, sessionId: sha256(ticket), userVerification: false };
      const challenge = await deps.challenges.issue('second-factor', binding);
      return deps.ceremonies.requestOptions(challenge, await deps.queries.passkeys.listOf(userId), false);
    },

    /** Finishes a login with the ticket and a passkey assertion; answers the user to open a session for. */
    async completeSecondFactor(
      ticket: string,
      response: AuthenticationResponseJSON,
      client: ClientInfo,
    ): Promise<User> {
      const { userId } = await tickets.attempt('mfa', ticket, MFA_TICKET_ATTEMPTS);
      const proof = await deps.assertion(response, 'second-factor', { userId, sessionId: sha256(ticket) });
      const attempt = await deps.mfaThrottle.begin(`mfa:${userId}`);
      const audit = (outcome: 'success' | 'failure', reason?: string) =>
        deps.audit.record({
          actor: userId,
          action: 'login.mfa',
          subject: userId,
          door: 'hbp',
          outcome,
          ip: client.ip,
          userAgent: client.userAgent,
          detail: { method: 'webauthn', ...(reason ? { reason } : {}) },
        });
      const user = await users.get(userId);
      const problem = user ? await proof.check(user) : 'unknown-user';
      if (problem !== undefined || !user) {
        attempt.fail();
        await audit('failure', problem);
        throw errors.invalidPasskey();
      }
      await attempt.succeed();
      await tickets.consume('mfa', ticket);
      if (!canSignIn(user, deps.clock.now())) throw errors.invalidCredentials();
      await users.touchLogin(user.id);
      await audit('success');
      return user;
    },
  };
}
