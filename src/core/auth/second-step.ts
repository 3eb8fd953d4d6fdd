import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import type { MfaService } from '../mfa/service.js';
import { canSignIn, type ClientInfo } from '../sessions/registry.js';
import type { LoginThrottle } from '../throttle/login-failures.js';
import type { Tickets } from '../tickets/service.js';
import type { User, UserService } from '../users/service.js';
import type { PasskeyProof, SecondFactorMethod } from './attempt.js';

/** Wrong second factors allowed per MFA ticket before it is void. */
export const MFA_TICKET_ATTEMPTS = 5;

/** What proves the second step of a password login: a TOTP (or recovery) code, or a passkey assertion. */
export type SecondStepProof =
  | { method: 'totp'; code: string }
  | { method: 'webauthn'; credential: AuthenticationResponseJSON };

export interface SecondStepDeps {
  tickets: Pick<Tickets, 'attempt' | 'consume'>;
  mfa: Pick<MfaService, 'verify'>;
  /** Counts wrong second factors per user: each ticket allows 5, this bounds them across tickets. */
  mfaThrottle: LoginThrottle;
  users: Pick<UserService, 'get' | 'touchLogin'>;
  audit: Audit;
  clock: Clock;
  /**
   * Reads a passkey assertion made for the second-factor challenge bound to this ticket (it takes the
   * challenge, whatever comes next); absent when passkeys are off.
   */
  passkeyProof?: (credential: AuthenticationResponseJSON, userId: string, ticket: string) => Promise<PasskeyProof>;
}

/**
 * The second step of a password login, whatever proves it: the ticket of the first step names the user;
 * every try counts against the ticket (MFA_TICKET_ATTEMPTS) and the user's MFA failures before the proof
 * is checked; then the ticket is spent, the account state checked again, the login stamped and audited
 * (`login.mfa`, with the method) and `open` starts the session on the door it came through.
 */
export function createSecondStep<S>(
  deps: SecondStepDeps,
  open: (user: User, client: ClientInfo, door: string) => Promise<S>,
) {
  const { tickets, users } = deps;

  /** The check of a proof for this user: undefined when it holds, else the refusal's reason. */
  async function checkerOf(proof: SecondStepProof, userId: string, ticket: string) {
    if (proof.method === 'totp')
      return async () => ((await deps.mfa.verify(userId, proof.code)) ? undefined : 'invalid-mfa-code');
    if (!deps.passkeyProof) throw errors.featureDisabled();
    const passkey = await deps.passkeyProof(proof.credential, userId, ticket);
    return async () => {
      const user = await users.get(userId);
      return user ? passkey.check(user) : 'unknown-user';
    };
  }

  return async function completeSecondStep(
    ticket: string,
    proof: SecondStepProof,
    client: ClientInfo,
    door = 'hbp',
  ): Promise<S> {
    const { userId } = await tickets.attempt('mfa', ticket, MFA_TICKET_ATTEMPTS);
    const check = await checkerOf(proof, userId, ticket);
    const attempt = await deps.mfaThrottle.begin(`mfa:${userId}`);
    const method: SecondFactorMethod = proof.method;
    const audit = (outcome: 'success' | 'failure', reason?: string) =>
      deps.audit.record({
        actor: userId,
        action: 'login.mfa',
        subject: userId,
        door,
        outcome,
        ip: client.ip,
        userAgent: client.userAgent,
        detail: { method, ...(reason ? { reason } : {}) },
      });
    const refusal = await check();
    if (refusal !== undefined) {
      attempt.fail();
      await audit('failure', refusal);
      throw method === 'totp' ? errors.invalidMfaCode() : errors.invalidPasskey();
    }
    await attempt.succeed();
    await tickets.consume('mfa', ticket);
    const user = await users.get(userId);
    if (!user || !canSignIn(user, deps.clock.now())) throw errors.invalidCredentials();
    await users.touchLogin(user.id);
    await audit('success');
    return open(user, client, door);
  };
}
