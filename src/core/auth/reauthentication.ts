import type { Audit } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import { mfaErrors, type MfaService } from '../mfa/service.js';
import type { ClientInfo, SessionRegistry } from '../sessions/registry.js';
import type { User, UserService } from '../users/service.js';
import type { LoginPipeline } from './pipeline.js';

/** Whoever acts through a session: native access tokens and the permission cookie both name one. */
export interface SessionCaller {
  userId: string;
  sessionId: string;
}

export interface Proof {
  password?: string;
  code?: string;
}

export const reauthErrors = {
  required: (minutes: number) =>
    errors.reauthenticationRequired(
      `This needs a proof of identity from the last ${minutes} minutes: POST /auth/reauthenticate with ` +
        '{password} (and {code} when MFA is on; {code} alone for an account without a password), or sign in again',
    ),
  codeRequired: () => errors.secondFactorRequired('This account has MFA: send a current code with the password'),
  passwordRequired: () => errors.validation('This account has a password: send it (and a code when MFA is on)'),
  nothingToProve: () => errors.validation('This account has neither a password nor MFA: sign in again instead'),
};

export interface ReauthenticationDeps {
  pipeline: LoginPipeline;
  sessions: Pick<SessionRegistry, 'provenAt' | 'prove'>;
  users: Pick<UserService, 'get' | 'passwordRealm'>;
  mfa: Pick<MfaService, 'verify' | 'enable' | 'disable'>;
  audit: Audit;
  clock: Clock;
  /** REAUTH_MAX_AGE. */
  maxAgeMinutes: number;
}

/**
 * Re-authentication: a sign-in stamps its session with the time its secret was proven, and
 * operations that give lasting access (a personal token, recovery codes, a sign-in method, the
 * email) need that stamp to be recent. A proof is checked by the login pipeline, so its rate
 * limits, failure counters and audit hold here too.
 */
export function createReauthentication(deps: ReauthenticationDeps) {
  const { pipeline, sessions, users, clock, maxAgeMinutes } = deps;
  const door = 'hbp';

  async function hasPassword(user: User): Promise<boolean> {
    return Boolean(user.passwordHash) || (await users.passwordRealm(user.id)) !== null;
  }

  /** Refuses (403 reauthentication-required) when the caller's session was not proven within REAUTH_MAX_AGE. */
  async function requireFresh(caller: SessionCaller): Promise<void> {
    const at = await sessions.provenAt(caller.userId, caller.sessionId);
    if (!at || clock.now().getTime() - at.getTime() > maxAgeMinutes * 60_000)
      throw reauthErrors.required(maxAgeMinutes);
  }

  /**
   * Proves the caller's identity again and stamps their session. What a login would ask: the
   * password, with a code when MFA is on; an account without a password proves with a code.
   */
  async function reauthenticate(caller: SessionCaller, proof: Proof, client: ClientInfo): Promise<void> {
    const user = await users.get(caller.userId);
    if (!user) throw errors.unauthenticated();
    const action = 'reauthenticate';
    if (proof.password !== undefined) {
      const identifier = user.username ?? user.email; // a directory binds with the login name
      const attempt = {
        door,
        identifier,
        password: proof.password,
        code: proof.code,
        client,
        account: user.id,
        action,
      };
      const result = await pipeline.authenticate({ ...attempt, secondFactor: 'code' });
      if (result.kind !== 'authenticated') throw reauthErrors.codeRequired();
    } else if (await hasPassword(user)) {
      // A code alone proves less than a login of this account does.
      throw reauthErrors.passwordRequired();
    } else {
      const code = proof.code;
      if (code === undefined || !user.mfaEnabled) throw reauthErrors.nothingToProve();
      await pipeline.checkCode({ userId: user.id, door, action, client, audit: true }, async () => {
        if (!(await deps.mfa.verify(user.id, code))) throw mfaErrors.invalidCode();
      });
    }
    await sessions.prove(caller.userId, caller.sessionId);
  }

  /** A code check of the MFA routes, counted as the second factor of a login is. */
  const counted = (caller: SessionCaller, action: string, client: ClientInfo, run: () => Promise<void>) =>
    pipeline.checkCode({ userId: caller.userId, door, action, client, audit: false }, run);

  return {
    maxAgeMinutes,
    requireFresh,
    reauthenticate,

    /** Turns MFA on (a new sign-in method): a fresh proof, then the code of the new secret. */
    async enableMfa(caller: SessionCaller, code: string, client: ClientInfo): Promise<void> {
      await requireFresh(caller);
      await counted(caller, 'mfa.enable', client, () => deps.mfa.enable(caller.userId, code, client));
    },

    /** Turns MFA off: a fresh proof, then a current code (or a recovery code). */
    async disableMfa(caller: SessionCaller, code: string, client: ClientInfo): Promise<void> {
      await requireFresh(caller);
      await counted(caller, 'mfa.disable', client, () => deps.mfa.disable(caller.userId, code, client));
    },
  };
}

export type Reauthentication = ReturnType<typeof createReauthentication>;
