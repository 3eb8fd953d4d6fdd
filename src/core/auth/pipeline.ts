import type { Config } from '../../config/load.js';
import type { Audit, AuditOutcome } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { AppError, errors } from '../errors.js';
import { sha256 } from '../hash.js';
import type { MfaService } from '../mfa/service.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import { canSignIn, type ClientInfo } from '../sessions/registry.js';
import type { LoginThrottle, LoginAttempt as ThrottledAttempt } from '../throttle/login-failures.js';
import type { RateLimitStore } from '../throttle/rate-limiter.js';
import type { Tickets } from '../tickets/service.js';
import { passwordDigest, type User, type UserService } from '../users/service.js';
import type { Directories } from '../directories/service.js';
import type { CodeCheck, LoginAttempt, LoginResult } from './attempt.js';
import { loginLimits } from './limits.js';
import { attemptSteps } from './steps.js';
import {
  appendedOf,
  appPassword,
  digest,
  directoryBind,
  localHash,
  passkeyAssertion,
  type PasswordVerifier,
} from './verifiers.js';
import { appPasswordDoorOf, looksLikeAppPassword, type AppPasswords } from '../app-passwords/service.js';

export type {
  CodeCheck,
  LoginAttempt,
  LoginResult,
  PasskeyProof,
  SecondFactorForm,
  SecondFactorMethod,
  TrustedDevice,
} from './attempt.js';

export const pipelineErrors = {
  secondFactorRequired: () => errors.secondFactorRequired(),
};

export interface PipelineDeps {
  config: Config;
  users: UserService;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  mfaThrottle: LoginThrottle;
  mfa: MfaService;
  tickets: Tickets;
  limits: RateLimitStore | undefined;
  audit: Audit;
  clock: Clock;
  /** LDAP directories behind realms: they check the password of their users instead of a local hash. */
  directories?: Pick<Directories, 'handles' | 'authenticate' | 'passwordRealm'>;
  /** Whether a user has a passkey: after a password, it is asked for as a second factor. */
  passkeys?: { has(userId: string): Promise<boolean> };
  /** App passwords, accepted in place of the password on the doors that carry only a password. */
  appPasswords?: Pick<AppPasswords, 'match'>;
}

/** Counters and throttles key an account by its id, and an unknown login by its name's hash. */
const accountKeyOf = (a: LoginAttempt, user: User | undefined) => user?.id ?? sha256(a.identifier.trim().toLowerCase());

/**
 * The one login pipeline. Every password login of every door comes here, and meets the same
 * rules in the same order: rate limits (IP, door, account), failed-login accounting, equal
 * hashing work for unknown accounts, account state, the second factor, rehash, audit.
 */
export function createLoginPipeline(deps: PipelineDeps) {
  const { config, users, hasher, clock, audit } = deps;
  const local = localHash(hasher);
  const digestVerifier = digest(hasher);
  const { userOf, secondFactorsOf } = attemptSteps(deps);
  const { limitIp, limitAccount } = loginLimits(deps.limits, config.rateLimit);

  async function report(a: LoginAttempt, outcome: AuditOutcome, user: User | undefined, reason?: string) {
    const event = { actor: user?.id ?? null, action: a.action ?? 'login', subject: user?.id ?? null, door: a.door };
    const { ip, userAgent } = a.client;
    await audit.record({ ...event, outcome, ip, userAgent, detail: reason ? { reason } : null });
  }

  /**
   * The realm whose directory checks this login (null: the default directory), or undefined for a
   * local password: a realm backed by a directory, a user linked to one, or an unknown login when
   * a default directory exists.
   */
  async function directoryOf(a: LoginAttempt, user: User | undefined): Promise<string | null | undefined> {
    const dirs = deps.directories;
    if (!dirs) return undefined;
    if (a.realm !== undefined && (await dirs.handles(a.realm))) return a.realm;
    if (user) return (await dirs.passwordRealm(user.id)) ?? undefined;
    return (await dirs.handles(undefined)) ? null : undefined;
  }

  /** The verifier of an attempt: a directory's bind, Rocket.Chat's digest, or the local hash. */
  async function verifierFor(a: LoginAttempt, user: User | undefined): Promise<PasswordVerifier> {
    if (a.passkey) return passkeyAssertion;
    const realm = await directoryOf(a, user);
    const usual =
      realm !== undefined
        ? directoryBind(hasher, deps.directories!, realm)
        : a.digest !== undefined
          ? digestVerifier
          : local;
    const appDoor = deps.appPasswords && appPasswordDoorOf(a.door);
    const shaped = a.digest !== undefined || looksLikeAppPassword(a.password);
    return appDoor && shaped ? appPassword(usual, deps.appPasswords!) : usual;
  }

  // The steps of a login, in order. Each either passes (returning what the next needs) or refuses.

  /** 1. Limits and lookup: the IP windows, the account (by id or login name), then the account's window. */
  async function limitAndFind(a: LoginAttempt): Promise<{ user: User | undefined; keys: string[] }> {
    let keys: string[] = [];
    let user: User | undefined;
    try {
      keys = await limitIp(a);
      user = await userOf(a);
      keys.push(...(await limitAccount(accountKeyOf(a, user))));
    } catch (err) {
      if (err instanceof AppError && err.status === 429) await report(a, 'rate_limited', user);
      throw err;
    }
    return { user, keys };
  }

  /** 2. Failed-login accounting: the account's (or a trusted device's) counter; a locked one refuses. */
  async function beginAttempt(a: LoginAttempt, user: User | undefined): Promise<ThrottledAttempt> {
    const trusted = user && a.device?.userId === user.id ? a.device : undefined;
    try {
      return await deps.throttle.begin(trusted ? `device:${sha256(trusted.id)}` : `account:${accountKeyOf(a, user)}`);
    } catch (err) {
      await report(a, 'rate_limited', user, 'account-throttled');
      throw err;
    }
  }

  /** 3. The secret, proven by the attempt's verifier (the same work for an unknown account); a refusal counts. */
  async function verifySecret(a: LoginAttempt, user: User | undefined, attempt: ThrottledAttempt) {
    const verdict = await (await verifierFor(a, user)).verify(a, user);
    if (verdict.ok) return verdict;
    attempt.fail();
    await report(a, 'failure', verdict.auditAs, verdict.reason);
    throw errors.invalidCredentials();
  }

  /** 4. Account state, once the secret is proven: an account that may not sign in fails like a wrong password. */
  async function checkAccountState(a: LoginAttempt, user: User, attempt: ThrottledAttempt) {
    if (canSignIn(user, clock.now()) && (a.realm === undefined || user.realm === a.realm)) return;
    attempt.fail();
    await report(a, 'failure', user, 'account-state');
    throw errors.invalidCredentials();
  }

  /** 5. Rehash, after a local password proved right: its hash with today's parameters, and the digest kept. */
  async function rehash(user: User, u: { password: string; needsRehash: boolean } | undefined) {
    if (!u) return;
    if (u.needsRehash) await users.rehash(user.id, await hasher.hash(u.password));
    if (!user.passwordDigestHash) await users.storeDigest(user.id, await hasher.hash(passwordDigest(u.password)));
  }

  /**
   * 6. The second factor, for an MFA account when the door asks: a code (sent, or appended to the password)
   * is checked under its own failure counter; without one, the door's form of "a code is needed" is the answer.
   */
  async function secondFactor(a: LoginAttempt, user: User, standsIn?: boolean): Promise<LoginResult | undefined> {
    const methods = await secondFactorsOf(a, user, standsIn);
    if (!methods.length) return undefined;
    const code = user.mfaEnabled ? (appendedOf(a, user)?.code ?? a.code) : undefined;
    if (code === undefined) {
      await report(a, 'mfa_required', user);
      if (a.secondFactor === 'ticket') {
        const ticket = await deps.tickets.issue('mfa', user, null, a.ticketShape);
        return { kind: 'second-factor-required', user, ticket, methods };
      }
      // A door that carries no passkey cannot finish this login: say why (the password was right).
      if (!user.mfaEnabled) throw errors.passkeyRequired();
      if (a.secondFactor === 'none') throw pipelineErrors.secondFactorRequired();
      return { kind: 'second-factor-required', user, methods };
    }
    const mfaAttempt = await deps.mfaThrottle.begin(`mfa:${user.id}`);
    if (!(await deps.mfa.verify(user.id, code))) {
      mfaAttempt.fail();
      await report(a, 'failure', user, 'invalid-mfa-code');
      throw errors.invalidMfaCode();
    }
    await mfaAttempt.succeed();
    return undefined;
  }

  /** 7. Success: the login time, the windows given back when the door asks (Basic auth), the audit event. */
  async function succeed(a: LoginAttempt, user: User, keys: string[]): Promise<LoginResult> {
    if (a.account === undefined) await users.touchLogin(user.id);
    if (a.refundSuccess && deps.limits) for (const key of keys) await deps.limits.undo(key);
    await report(a, 'success', user);
    return { kind: 'authenticated', user };
  }

  return {
    /**
     * The second factors an account is asked for after a first factor other than a passkey (a password, an
     * email link or code, a provider): its TOTP, and its passkeys. A sign-in outside this pipeline asks the same.
     */
    secondFactors: (user: User) => secondFactorsOf({ secondFactor: 'ticket' } as LoginAttempt, user),

    /** The one login: the steps above, in order (see architecture.md, "The login pipeline and its verifiers"). */
    async authenticate(a: LoginAttempt): Promise<LoginResult> {
      const found = await limitAndFind(a);
      const attempt = await beginAttempt(a, found.user);
      const { user, upgrade, standsIn } = await verifySecret(a, found.user, attempt);
      await checkAccountState(a, user, attempt);
      await attempt.succeed();
      await rehash(user, upgrade);
      return (await secondFactor(a, user, standsIn)) ?? (await succeed(a, user, found.keys));
    },

    /**
     * A second factor checked outside a login (re-authentication, turning MFA on or off): the same
     * IP and account windows as logins, and the user's MFA failure counter. `run` checks the code;
     * an `invalid-mfa-code` from it counts as a wrong guess, any other refusal is no guess at all.
     */
    async checkCode<T>(c: CodeCheck, run: () => Promise<T>): Promise<T> {
      const a: LoginAttempt = {
        door: c.door,
        client: c.client,
        action: c.action,
        identifier: '',
        password: '',
        secondFactor: 'code',
      };
      const user = { id: c.userId } as User;
      let attempt: ThrottledAttempt;
      try {
        await limitIp(a);
        await limitAccount(c.userId);
        attempt = await deps.mfaThrottle.begin(`mfa:${c.userId}`);
      } catch (err) {
        if (err instanceof AppError && err.status === 429) await report(a, 'rate_limited', user);
        throw err;
      }
      let result: T;
      try {
        result = await run();
      } catch (err) {
        const guessed = errors.invalidMfaCode.is(err);
        if (guessed) attempt.fail();
        else await attempt.succeed();
        if (c.audit && err instanceof AppError) await report(a, 'failure', user, err.code);
        throw err;
      }
      await attempt.succeed();
      if (c.audit) await report(a, 'success', user);
      return result;
    },

    /**
     * A sign-in proven elsewhere (an identity provider's token): the same IP window and audit,
     * around the door's own verification. `verify` answers the subject, or undefined when refused.
     */
    async federated<T extends { subject: string }>(
      door: string,
      client: ClientInfo,
      verify: () => Promise<T>,
    ): Promise<T> {
      const a = { door, client, identifier: '', password: '', secondFactor: 'none' } satisfies LoginAttempt;
      try {
        await limitIp(a);
      } catch (err) {
        await report(a, 'rate_limited', undefined);
        throw err;
      }
      try {
        const result = await verify();
        await audit.record({
          actor: null,
          action: 'login',
          subject: result.subject,
          door,
          outcome: 'success',
          ip: client.ip,
          userAgent: client.userAgent,
        });
        return result;
      } catch (err) {
        await report(a, 'failure', undefined, err instanceof AppError ? err.code : 'error');
        throw err;
      }
    },
  };
}

export type LoginPipeline = ReturnType<typeof createLoginPipeline>;
