import type { Config } from './config/load.js';
import type { CoreLog } from './core/log.js';
import { lazyWarnLog } from './lazy-log.js';
import { createLifecycle, EMAIL_CHANGE_UNDO_MINUTES } from './core/auth/lifecycle.js';
import { createAnonymousUsers } from './core/users/anonymous.js';
import { createEmailCodes } from './core/auth/email-codes.js';
import { createReauthentication } from './core/auth/reauthentication.js';
import { createMailer } from './mail/mailer.js';
import { createBackground } from './core/background.js';
import { createApiTokens } from './core/api-tokens/service.js';
import { createImpersonation } from './core/impersonation/service.js';
import type { Secrets } from './config/secrets.js';
import { createAuthService } from './core/auth/service.js';
import { systemClock, systemRandom, type Clock, type Random } from './core/clock.js';
import { createPasswordHasher } from './core/passwords/hasher.js';
import { createPasswordPolicy } from './core/passwords/policy.js';
import { createRefreshTokens } from './core/sessions/refresh-tokens.js';
import { createLoginThrottle } from './core/throttle/login-failures.js';
import { createMemoryStore, type RateLimitStore } from './core/throttle/rate-limiter.js';
import { createAccessTokens } from './core/tokens/access-tokens.js';
import { createSigning, deriveKey, withProviderKey } from './signing.js';
import { createStorage } from './storage-wiring.js';
import { SYSTEM } from './core/sessions/actor.js';
import { createUserService } from './core/users/service.js';
import { createTickets } from './core/tickets/service.js';
import { createMfaService } from './core/mfa/service.js';
import { createSecretBox } from './core/mfa/secret-box.js';
import { createForeignIds } from './core/users/foreign-ids.js';
import type { Db } from './db/client.js';
import type { Metrics } from './metrics/registry.js';
import { createQueries } from './db/queries/index.js';
import { createAudit } from './core/audit/service.js';
import { createCoreKinds } from './core/credentials/core-kinds.js';
import { createCredentials } from './core/credentials/service.js';
import { createSessionRegistry } from './core/sessions/registry.js';
import { createAccounts } from './core/accounts/service.js';
import { createSignInSources } from './core/accounts/sign-in-sources.js';
import { createRealms } from './core/realms/service.js';
import { createAuthMethods } from './core/auth-methods/service.js';
import { createLoginPipeline } from './core/auth/pipeline.js';
import { createDirectories, createProviders } from './core/federation.js';
import { createHousekeeping } from './core/housekeeping/service.js';
import { createPasskeys } from './core/passkeys/service.js';
import { createAppPasswords } from './core/app-passwords/service.js';
import { housekeptTables } from './core/housekeeping/tables.js';
import { createOidc } from './core/oidc/index.js';
import { providerViews } from './http/oidc/views.js';
import { createFirstRun } from './core/first-run/service.js';
import { createAdminActions } from './core/accounts/admin-actions.js';

/** Rows per housekeeping DELETE: a few milliseconds of locks each, whatever the table's size. */
const HOUSEKEEPING_BATCH_SIZE = 2000;
/** Per table and run; a larger backlog is finished by the next runs (every 10 minutes). */
const HOUSEKEEPING_MAX_SECONDS_PER_TABLE = 120;

/** Wrong MFA codes per user per hour, across all their tickets. */
const MFA_FAILURES_PER_HOUR = 20;

export interface Runtime {
  clock?: Clock;
  random?: Random;
  log?: CoreLog;
}

export type { KeySet } from './signing.js';

/** Wires the core once: plain factories, dependencies passed by hand. */
export async function createServices(config: Config, secrets: Secrets, db: Db, runtime: Runtime = {}) {
  const clock = runtime.clock ?? systemClock;
  const random = runtime.random ?? systemRandom;
  const queries = createQueries(db);
  const audit = createAudit({ queries, clock });
  const signing = await createSigning({ config, secrets, queries, clock, audit });
  const { keysBox, keys, dialectKeys, rotateKeys, importedKeys, importedTokens } = signing;
  const hasher = await createPasswordHasher(config.passwords.argon2);
  const policy = createPasswordPolicy(config.passwords);
  const accessTokens = createAccessTokens({
    keys,
    clock,
    random,
    issuer: config.jwt.issuer,
    expiresInMinutes: config.jwt.expiresInMinutes,
    claimsNamespace: config.jwt.claimsNamespace,
    cacheSize: config.jwt.cacheSize,
  });
  const sessionCache = { cacheMs: config.jwt.sessionCheckCacheMs, cacheSize: config.jwt.cacheSize || 10_000 };
  const sessions = createSessionRegistry({ queries, clock, random, audit, ...sessionCache });
  const credentials = createCredentials({ sessions });
  const refreshTokens = createRefreshTokens({
    queries,
    clock,
    random,
    lifetimeMinutes: config.jwt.refreshExpiresInMinutes,
    graceSeconds: config.jwt.reuseGraceSeconds,
    successorKey: deriveKey(secrets.cookieSecret, 'refresh-token-successor'),
    sessions,
    endSession: (sessionId, userId) =>
      sessions.revoke(sessionId, { userId, actor: SYSTEM, reason: 'refresh-token-reused' }),
  });
  const throttle = createLoginThrottle({ queries, clock, maxPerHour: config.rateLimit.loginMaxFailuresPerHour });
  const mfaThrottle = createLoginThrottle({ queries, clock, maxPerHour: MFA_FAILURES_PER_HOUR });
  const limits: RateLimitStore | undefined = !config.rateLimit.enabled
    ? undefined
    : config.rateLimit.redisUrl
      ? (await import('./core/throttle/redis-store.js')).createRedisStore(config.rateLimit.redisUrl)
      : createMemoryStore(clock);
  const users = createUserService({ queries, hasher, policy, clock, random, changed: sessions.forget });
  const accounts = createAccounts({ queries, users, sessions, audit, clock });
  const realms = createRealms({ queries, audit, clock });
  const authMethods = createAuthMethods({ queries, defaults: { jwt: config.humhub.jwt, basic: config.humhub.basic } });
  const ticketMinutes = { ...config.lifecycle.ticketMinutes, 'email-change-undo': EMAIL_CHANGE_UNDO_MINUTES };
  const tickets = createTickets({ queries, clock, random, minutes: ticketMinutes });
  const mfa = createMfaService({
    queries,
    clock,
    random,
    issuer: config.lifecycle.otpIssuer,
    box: createSecretBox(deriveKey(secrets.cookieSecret, 'mfa-secret')),
    changed: sessions.forget,
    audit,
  });
  const log = runtime.log ?? lazyWarnLog();
  const directories = await createDirectories({
    config,
    queries,
    users,
    audit,
    clock,
    log,
    secret: (purpose) => deriveKey(secrets.cookieSecret, purpose),
    endSessions: (userId) => sessions.revokeAll(userId, { actor: { kind: 'system', id: null }, reason: 'directory' }),
  });
  const appPasswords = createAppPasswords({ queries, clock, random, audit, sessions });
  const pipeline = createLoginPipeline({
    directories,
    config,
    users,
    hasher,
    throttle,
    mfaThrottle,
    mfa,
    tickets,
    limits,
    audit,
    clock,
    passkeys: config.passkeys.enabled ? { has: async (id) => (await queries.passkeys.countOf(id)) > 0 } : undefined,
    appPasswords,
  });
  const reauthDeps = { pipeline, sessions, users, mfa, audit, clock };
  const reauth = createReauthentication({ ...reauthDeps, maxAgeMinutes: config.jwt.reauthMaxAgeMinutes });
  const apiTokens = createApiTokens({ queries, clock, random, audit });
  // The core's own credential kinds, registered before any dialect's (whose manifests declare their use).
  const imported = { tokens: importedTokens, claimsNamespace: config.jwt.claimsNamespace };
  const kinds = createCoreKinds({ accessTokens, refreshTokens, apiTokens, imported });
  for (const kind of Object.values(kinds)) credentials.register(kind);
  const impersonation = createImpersonation({
    users,
    sessions,
    credentials,
    apiTokens,
    audit,
    enabled: config.humhub.impersonation && config.dialects.includes('humhub'),
    minutes: config.humhub.impersonationMinutes,
  });
  credentials.register(impersonation.kind);
  const passkeys = createPasskeys({
    config: config.passkeys,
    queries,
    users,
    pipeline,
    sessions,
    tickets,
    audit,
    clock,
    random,
    secret: deriveKey(secrets.cookieSecret, 'passkey-stand-in'),
  });
  const auth = createAuthService({
    queries,
    users,
    hasher,
    pipeline,
    sessions,
    refreshTokens,
    accessTokens,
    audit,
    clock,
    random,
    tickets,
    mfa,
    mfaThrottle,
    reauth,
    apiTokens,
    passkeyProof: config.passkeys.enabled ? passkeys.secondStepProof : undefined,
  });
  const background = createBackground((err) => log.error({ err }, 'background work failed'));
  const mailer = createMailer(config, log, background);
  const lifecycle = createLifecycle({ config, queries, users, auth, tickets, sessions, audit, mailer, clock });
  const emailCodes = createEmailCodes({ config, users, tickets, pipeline, auth, mailer, clock });
  const userDefaults = { roles: config.users.defaultAllowedRoles, defaultRole: config.users.defaultRole };
  const anonymousUsers = createAnonymousUsers({
    users,
    queries,
    auth,
    sessions,
    clock,
    random,
    defaults: userDefaults,
  });
  const providerSecret = (purpose: string) => deriveKey(secrets.cookieSecret, purpose);
  const federated = { config, queries, users, auth, tickets, audit, clock, sessions };
  const providers = await createProviders({ ...federated, secret: providerSecret });
  // The identity provider (issue 28): clients, oidc-provider when OIDC_ENABLED, its sign-in interactions.
  const oidc = await createOidc(
    {
      ...{ config, queries, audit, clock, random, keys, keysBox, sessions, users, pipeline, auth, log },
      passkeys: config.passkeys.enabled ? passkeys : undefined,
      storeBox: createSecretBox(deriveKey(secrets.cookieSecret, 'oidc-store')),
      cookieKey: deriveKey(secrets.cookieSecret, 'oidc-cookies'),
    },
    providerViews,
  );
  const signInSources = createSignInSources({ users, providers, directories: directories.store });
  const storage = await createStorage({ config, secrets, queries, clock, random, background });
  // Drops what expired (login failures, refresh tokens, sessions, tickets, old audit entries…; ends expired sign-ons).
  const kept = { auditRetentionDays: config.audit.retentionDays, expiredSignOns: oidc.backchannel?.expiredSignOns };
  const housekeeping = createHousekeeping({
    tables: housekeptTables(queries, kept),
    clock,
    batchSize: HOUSEKEEPING_BATCH_SIZE,
    maxSecondsPerTable: HOUSEKEEPING_MAX_SECONDS_PER_TABLE,
    failed: (table, err) => log.warn({ err, table }, 'housekeeping failed on one table'),
  });
  const adminActions = createAdminActions({
    queries,
    users,
    accounts,
    sessions,
    clock,
    resendActivation: (email) => lifecycle.resendActivation(email),
  });
  const firstRun = createFirstRun({ config, queries, users, audit, clock, random });

  return {
    config,
    db,
    clock,
    random,
    queries,
    hasher,
    keys,
    dialectKeys,
    rotateKeys: withProviderKey(rotateKeys, oidc),
    importedKeys,
    importedTokens,
    accessTokens,
    refreshTokens,
    credentials,
    kinds,
    throttle,
    mfaThrottle,
    users,
    foreignIds: createForeignIds(queries),
    tickets,
    mfa,
    auth,
    reauth,
    passkeys,
    appPasswords,
    mailer,
    lifecycle,
    anonymousUsers,
    emailCodes,
    background,
    storage,
    apiTokens,
    impersonation,
    audit,
    sessions,
    accounts,
    realms,
    authMethods,
    pipeline,
    directories,
    firstRun,
    adminActions,
    providers,
    signInSources,
    oidc,
    secret: (purpose: string) => deriveKey(secrets.cookieSecret, purpose),
    startedAt: clock.now(),
    limits,
    housekeeping,
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;

/** The services and the server's metrics registry, which counts what they announce (built by buildApp). */
export type AppServices = Services & { metrics: Metrics };
