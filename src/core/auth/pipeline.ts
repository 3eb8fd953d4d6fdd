import type { Config } from '../../config/load.js';
import type { Audit, AuditOutcome } from '../audit/service.js';
import type { Clock } from '../clock.js';
import { AppError, errors } from '../errors.js';
import { sha256 } from '../hash.js';
import { mfaErrors, type MfaService } from '../mfa/service.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import { canSignIn, type ClientInfo } from '../sessions/registry.js';
import type { LoginThrottle, LoginAttempt as ThrottledAttempt } from '../throttle/login-failures.js';
import { enforceLimit, type RateLimitStore } from '../throttle/rate-limiter.js';
import type { Tickets } from '../tickets/service.js';
import { passwordDigest, type User, type UserService } from '../users/service.js';
import type { Directories } from '../directories/service.js';
import type { CodeCheck, LoginAttempt, LoginResult } from './attempt.js';
import { appendedOf, digest, directoryBind, localHash, type PasswordVerifier } from './verifiers.js';

export type { CodeCheck, LoginAttempt, LoginResult, SecondFactorForm, TrustedDevice } from './attempt.js';

export const pipelineErrors = {
  secondFactorRequired: () =>
    new AppError(
      'second-factor-required',
      401,
      'This account requires a second factor, which this login method cannot carry',
    ),
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
  const { windowSeconds, authPerIp, authPerAccount } = config.rateLimit;
  const local = localHash(hasher);
  const digestVerifier = digest(hasher);

  async function report(a: LoginAttempt, outcome: AuditOutcome, user: User | undefined, reason?: string) {
    const event = { actor: user?.id ?? null, action: a.action ?? 'login', subject: user?.id ?? null, door: a.door };
    const { ip, userAgent } = a.client;
    await audit.record({ ...event, outcome, ip, userAgent, detail: reason ? { reason } : null });
  }

  /** Counts the attempt in the shared and the door's per-IP windows; an exhausted one refuses it. Returns the keys counted. */
  async function limitIp(a: LoginAttempt): Promise<string[]> {
    const ip = a.client.ip ?? 'unknown';
    const keys = [await enforceLimit(deps.limits, { name: 'login-ip', max: authPerIp, windowSeconds }, ip)];
    if (a.doorLimit)
      keys.push(
        await enforceLimit(
          deps.limits,
          { name: `login-${a.door}-ip`, max: a.doorLimit.max, windowSeconds },
          ip,
          a.doorLimit.report,
        ),
      );
    return keys.filter((k): k is string => k !== undefined);
  }

  /** The per-account window, keyed by the account when it exists, else by the login name. */
  async function limitAccount(accountKey: string): Promise<string[]> {
    const key = await enforceLimit(
      deps.limits,
      { name: 'login-account', max: authPerAccount, windowSeconds },
      accountKey,
    );
    return key ? [key] : [];
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
    const realm = await directoryOf(a, user);
    if (realm !== undefined) return directoryBind(hasher, deps.directories!, realm);
    return a.digest !== undefined ? digestVerifier : local;
  }

  /** After a local password proved right: its hash with today's parameters, and the digest verifier kept. */
  async function upgrade(user: User, u: { password: string; needsRehash: boolean }) {
    if (u.needsRehash) await users.rehash(user.id, await hasher.hash(u.password));
    if (!user.passwordDigestHash) await users.storeDigest(user.id, await hasher.hash(passwordDigest(u.password)));
  }

  async function refund(keys: string[]) {
    if (!deps.limits) return;
    for (const key of keys) await deps.limits.undo(key);
  }

  return {
    async authenticate(a: LoginAttempt): Promise<LoginResult> {
      let keys: string[] = [];
      let user: User | undefined;
      try {
        keys = await limitIp(a);
        user = a.account !== undefined ? await users.get(a.account) : await users.findByLogin(a.identifier);
        keys.push(...(await limitAccount(accountKeyOf(a, user))));
      } catch (err) {
        if (err instanceof AppError && err.status === 429) await report(a, 'rate_limited', user);
        throw err;
      }

      const trusted = user && a.device?.userId === user.id ? a.device : undefined;
      let attempt: ThrottledAttempt;
      try {
        attempt = await deps.throttle.begin(
          trusted ? `device:${sha256(trusted.id)}` : `account:${accountKeyOf(a, user)}`,
        );
      } catch (err) {
        await report(a, 'rate_limited', user, 'account-throttled');
        throw err;
      }

      const verdict = await (await verifierFor(a, user)).verify(a, user);
      if (!verdict.ok) {
        attempt.fail();
        await report(a, 'failure', verdict.auditAs, verdict.reason);
        throw errors.invalidCredentials();
      }
      user = verdict.user;
      if (!canSignIn(user, clock.now()) || (a.realm !== undefined && user.realm !== a.realm)) {
        attempt.fail();
        await report(a, 'failure', user, 'account-state');
        throw errors.invalidCredentials();
      }
      await attempt.succeed();
      if (verdict.upgrade) await upgrade(user, verdict.upgrade);
      const appended = appendedOf(a, user);

      if (user.mfaEnabled && a.secondFactor !== 'not-asked') {
        const code = appended?.code ?? a.code;
        if (code === undefined) {
          await report(a, 'mfa_required', user);
          if (a.secondFactor === 'none') throw pipelineErrors.secondFactorRequired();
          const ticket =
            a.secondFactor === 'ticket' ? await deps.tickets.issue('mfa', user, null, a.ticketShape) : undefined;
          return { kind: 'second-factor-required', user, ticket };
        }
        const mfaAttempt = await deps.mfaThrottle.begin(`mfa:${user.id}`);
        if (!(await deps.mfa.verify(user.id, code))) {
          mfaAttempt.fail();
          await report(a, 'failure', user, 'invalid-mfa-code');
          throw mfaErrors.invalidCode();
        }
        await mfaAttempt.succeed();
      }

      if (a.account === undefined) await users.touchLogin(user.id);
      if (a.refundSuccess) await refund(keys);
      await report(a, 'success', user);
      return { kind: 'authenticated', user };
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
        const guessed = err instanceof AppError && err.code === mfaErrors.invalidCode().code;
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
