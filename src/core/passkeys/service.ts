import type { PasskeysConfig } from '../../config/passkeys.js';
import type { Queries } from '../../db/queries/index.js';
import type { PasskeyRow } from '../../db/queries/webauthn-credentials.js';
import type { Audit } from '../audit/service.js';
import type { LoginPipeline, PasskeyProof } from '../auth/pipeline.js';
import type { SessionCaller } from '../auth/reauthentication.js';
import type { Clock, Random } from '../clock.js';
import { AppError, errors } from '../errors.js';
import { hmac } from '../hash.js';
import type { ClientInfo, SessionRegistry } from '../sessions/registry.js';
import type { User, UserService } from '../users/service.js';
import { createCeremonies, type AuthenticationResponseJSON, type RegistrationResponseJSON } from './ceremonies.js';
import { createChallenges, type Ceremony } from './challenges.js';
import { createSecondFactor, type SecondFactorDeps } from './second-factor.js';
import { createPasskeyManagement } from './manage.js';
import { createPasskeySignup } from './signup.js';

export interface PasskeysDeps extends Omit<SecondFactorDeps, 'assertion' | 'challenges' | 'ceremonies'> {
  config: PasskeysConfig;
  queries: Queries;
  users: Pick<UserService, 'get' | 'findByLogin' | 'passwordRealm' | 'touchLogin' | 'create'>;
  pipeline: LoginPipeline;
  sessions: Pick<SessionRegistry, 'prove'>;
  audit: Audit;
  clock: Clock;
  random: Random;
  /** Keys the stand-in credential ids shown for unknown login names. */
  secret: Buffer;
}

/** A registered passkey as its owner and the admin see it. */
export type Passkey = Omit<PasskeyRow, 'publicKey' | 'userId'>;

const present = ({ publicKey: _key, userId: _user, ...p }: PasskeyRow): Passkey => p;

/**
 * Passkeys: registration, sign-in (with or without a login name), elevation, and the second step of a
 * password login. Every assertion that signs in or re-authenticates is checked by the login pipeline's
 * passkey verifier, so the same rate limits, failure counting, account state and audit hold.
 */
export function createPasskeys(deps: PasskeysDeps) {
  const { config, queries, users, clock } = deps;
  const ceremonies = createCeremonies(config);
  const challenges = createChallenges({ ...deps, seconds: config.challengeSeconds });

  /** The pipeline's proof for a response: whose credential it names, and the check of its assertion. */
  async function assertion(
    response: AuthenticationResponseJSON,
    ceremony: Ceremony,
    bound: { userId?: string | null; sessionId?: string | null },
  ): Promise<PasskeyProof> {
    const taken = await challenges.take(ceremony, response?.response?.clientDataJSON, bound);
    const passkey = typeof response.id === 'string' ? await queries.passkeys.byCredentialId(response.id) : undefined;
    return {
      userId: passkey?.userId,
      async check(user: User) {
        if (!passkey || passkey.userId !== user.id) return 'unknown-passkey';
        if (taken.userId !== null && taken.userId !== user.id) return 'passkey-not-allowed';
        const v = await ceremonies.assert(response, taken.challenge, passkey, taken.userVerification);
        if (!v.ok) return v.reason;
        const moved = { from: passkey.counter, counter: v.counter, backedUp: v.backedUp, now: clock.now() };
        return (await queries.passkeys.recordUse(passkey.id, moved)) ? undefined : 'counter-regressed';
      },
    };
  }

  /** Runs a passkey attempt through the pipeline; its refusal reads as a passkey's, not a password's. */
  async function throughPipeline(a: Parameters<LoginPipeline['authenticate']>[0]): Promise<User> {
    try {
      const result = await deps.pipeline.authenticate(a);
      if (result.kind !== 'authenticated') throw errors.invalidPasskey();
      return result.user;
    } catch (err) {
      if (err instanceof AppError && err.code === 'invalid-credentials') throw errors.invalidPasskey();
      throw err;
    }
  }

  async function requestOptions(ceremony: Ceremony, user: User | undefined, sessionId: string | null, uv: boolean) {
    const challenge = await challenges.issue(ceremony, { userId: user?.id ?? null, sessionId, userVerification: uv });
    return ceremonies.requestOptions(challenge, user ? await queries.passkeys.listOf(user.id) : [], uv);
  }

  const secondFactor = createSecondFactor({ ...deps, challenges, ceremonies, assertion });
  const manage = createPasskeyManagement({ ...deps, present });
  const signup = createPasskeySignup({ ...deps, challenges, ceremonies });

  return {
    ...manage,
    ...signup,
    ...secondFactor,
    has: async (userId: string) => (await queries.passkeys.countOf(userId)) > 0,

    /** Options to create a passkey for a signed-in user (bound to their session). */
    async registrationOptions(caller: { userId: string; sessionId: string | null }) {
      const user = await users.get(caller.userId);
      if (!user) throw errors.unauthenticated();
      const challenge = await challenges.issue('register', { ...caller, userVerification: false });
      return ceremonies.creationOptions(challenge, user, await queries.passkeys.listOf(user.id));
    },

    /** Verifies a registration and stores the passkey (its counter and backup flags with it). */
    async register(
      caller: { userId: string; sessionId: string | null },
      response: RegistrationResponseJSON,
      nickname: string | undefined,
      client: ClientInfo,
    ): Promise<Passkey> {
      const taken = await challenges.take('register', response?.response?.clientDataJSON, caller);
      const created = await ceremonies.register(response, taken.challenge);
      const event = { actor: caller.userId, subject: caller.userId, ip: client.ip, userAgent: client.userAgent };
      if (!created) {
        await deps.audit.record({ ...event, action: 'passkey.add', outcome: 'failure' });
        throw errors.invalidPasskey();
      }
      if (await queries.passkeys.byCredentialId(created.credentialId)) throw errors.passkeyExists();
      const row = {
        ...created,
        id: deps.random.uuid(),
        userId: caller.userId,
        nickname: nickname?.trim() || null,
        createdAt: clock.now(),
      };
      await queries.passkeys.insert(row);
      await deps.audit.record({ ...event, action: 'passkey.add', outcome: 'success', detail: { passkey: row.id } });
      return present({ ...row, lastUsedAt: null });
    },

    /**
     * Options to sign in with a passkey. Without a login name, any discoverable passkey of this site
     * may answer (autofill); with one, its passkeys are listed, and an unknown name gets a stand-in
     * credential id derived from it, so the answer does not tell whether the account exists.
     */
    async loginOptions(identifier?: string) {
      const user = identifier === undefined ? undefined : await users.findByLogin(identifier);
      const options = await requestOptions('login', user, null, true);
      if (identifier !== undefined && !user) {
        const id = hmac(deps.secret, identifier.trim().toLowerCase()).slice(0, 22);
        options.allowCredentials = [{ id, type: 'public-key', transports: ['internal', 'hybrid'] }];
      }
      return options;
    },

    /** Signs in with a passkey through the pipeline (user verification required: it is the only factor). */
    async login(response: AuthenticationResponseJSON, door: string, client: ClientInfo): Promise<User> {
      const passkey = await assertion(response, 'login', {});
      const identifier = typeof response.id === 'string' ? response.id : '';
      return throughPipeline({ door, identifier, password: '', secondFactor: 'none', client, passkey });
    },

    /** Options for an elevation: a fresh assertion by one of the caller's passkeys, bound to their session. */
    async elevationOptions(caller: SessionCaller) {
      const user = await users.get(caller.userId);
      if (!user) throw errors.unauthenticated();
      return requestOptions('elevate', user, caller.sessionId, true);
    },

    /** An elevation: the assertion is checked like a login of this account, then the session counts as proven. */
    async elevate(
      caller: SessionCaller,
      response: AuthenticationResponseJSON,
      client: ClientInfo,
      door = 'hbp',
    ): Promise<void> {
      const passkey = await assertion(response, 'elevate', caller);
      const identifier = typeof response.id === 'string' ? response.id : '';
      const attempt = { door, identifier, password: '', client, passkey, account: caller.userId };
      await throughPipeline({ ...attempt, secondFactor: 'none', action: 'reauthenticate' });
      await deps.sessions.prove(caller.userId, caller.sessionId);
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
