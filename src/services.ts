import { hkdfSync } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { Config } from './config/load.js';
import { createLifecycle, EMAIL_CHANGE_UNDO_MINUTES } from './core/auth/lifecycle.js';
import { createAnonymousUsers } from './core/users/anonymous.js';
import { createEmailCodes } from './core/auth/email-codes.js';
import { createReauthentication } from './core/auth/reauthentication.js';
import { createMailer } from './mail/mailer.js';
import { createBackground } from './core/background.js';
import { createDiskBackend } from './storage/backends/disk.js';
import { createApiTokens } from './core/api-tokens/service.js';
import { createImpersonation } from './core/impersonation/service.js';
import { createS3Backend } from './storage/backends/s3.js';
import { createRules, loadRules } from './storage/rules.js';
import { createStorageService } from './storage/service.js';
import { lockDownLoaders } from './storage/transform/image.js';
import type { Secrets } from './config/secrets.js';
import { createAuthService } from './core/auth/service.js';
import { systemClock, systemRandom, type Clock, type Random } from './core/clock.js';
import { createPasswordHasher } from './core/passwords/hasher.js';
import { createPasswordPolicy } from './core/passwords/policy.js';
import { createRefreshTokens } from './core/sessions/refresh-tokens.js';
import { createLoginThrottle } from './core/throttle/login-failures.js';
import { createMemoryStore, createRedisStore, type RateLimitStore } from './core/throttle/rate-limiter.js';
import { createAccessTokens } from './core/tokens/access-tokens.js';
import { createKeyRing } from './core/tokens/key-ring.js';
import { createDialectKeys } from './core/tokens/dialect-keys.js';
import { SYSTEM, type Actor } from './core/sessions/actor.js';
import { createUserService } from './core/users/service.js';
import { createTickets } from './core/tickets/service.js';
import { createMfaService } from './core/mfa/service.js';
import { createSecretBox } from './core/mfa/secret-box.js';
import type { Db } from './db/client.js';
import { createQueries } from './db/queries/index.js';
import { createAudit } from './core/audit/service.js';
import { createCredentials } from './core/credentials/service.js';
import { createSessionRegistry } from './core/sessions/registry.js';
import { createAccounts } from './core/accounts/service.js';
import { createSignInSources } from './core/accounts/sign-in-sources.js';
import { createRealms } from './core/realms/service.js';
import { createAuthMethods } from './core/auth-methods/service.js';
import { createLoginPipeline } from './core/auth/pipeline.js';
import { createDirectories, createProviders } from './core/federation.js';
import { createMetrics } from './metrics/registry.js';
import { observeServices } from './metrics/observe.js';
import { createHousekeeping } from './core/housekeeping/service.js';
import { housekeptTables } from './core/housekeeping/tables.js';

/** Which signing keys `keys rotate` replaces. */
export type KeySet = 'all' | 'access' | 'dialects';

/** Rows per housekeeping DELETE: a few milliseconds of locks each, whatever the table's size. */
const HOUSEKEEPING_BATCH_SIZE = 2000;
/** Per table and run; a larger backlog is finished by the next runs (every 10 minutes). */
const HOUSEKEEPING_MAX_SECONDS_PER_TABLE = 120;

/** Wrong MFA codes per user per hour, across all their tickets. */
const MFA_FAILURES_PER_HOUR = 20;

export interface Runtime {
  clock?: Clock;
  random?: Random;
  log?: Logger;
}

/** Derives an independent key for one purpose from the server secret. */
function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', purpose, 32));
}

/** Wires the core once: plain factories, dependencies passed by hand. */
export async function createServices(config: Config, secrets: Secrets, db: Db, runtime: Runtime = {}) {
  const clock = runtime.clock ?? systemClock;
  const random = runtime.random ?? systemRandom;
  const queries = createQueries(db);
  const audit = createAudit({ queries, clock });
  const keysBox = createSecretBox(deriveKey(secrets.cookieSecret, 'signing-keys'));
  const keys = await createKeyRing({
    algorithm: config.jwt.algorithm,
    configured: config.jwt.key === undefined ? undefined : { key: config.jwt.key, previous: config.jwt.previousKeys },
    seed: secrets.jwtKey,
    verifySeconds: config.jwt.expiresInMinutes * 60 + 60,
    queries,
    box: keysBox,
    clock,
    audit,
  });
  const dialectKeys = createDialectKeys({
    queries,
    box: keysBox,
    clock,
    audit,
    seed: (purpose) => deriveKey(secrets.cookieSecret, purpose),
  });
  /**
   * `keys rotate`: the access tokens' key (refused with 409, before anything changes, when JWT_KEY
   * manages it), the dialects' keys, or both.
   */
  async function rotateKeys(actor: Actor, which: KeySet = 'all') {
    const access = which === 'dialects' ? undefined : await keys.rotate(actor);
    const dialects = which === 'access' ? [] : await dialectKeys.rotate(actor);
    return { ...access, dialects };
  }
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
      ? createRedisStore(config.rateLimit.redisUrl)
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
  const log = runtime.log ?? pino({ level: 'warn' });
  const directories = createDirectories({
    config,
    queries,
    users,
    audit,
    clock,
    log,
    secret: (purpose) => deriveKey(secrets.cookieSecret, purpose),
    endSessions: (userId) => sessions.revokeAll(userId, { actor: { kind: 'system', id: null }, reason: 'directory' }),
  });
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
  });
  const reauthDeps = { pipeline, sessions, users, mfa, audit, clock };
  const reauth = createReauthentication({ ...reauthDeps, maxAgeMinutes: config.jwt.reauthMaxAgeMinutes });
  const apiTokens = createApiTokens({ queries, clock, random, audit });
  const impersonation = createImpersonation({
    users,
    sessions,
    apiTokens,
    audit,
    enabled: config.humhub.impersonation && config.dialects.includes('humhub'),
    minutes: config.humhub.impersonationMinutes,
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
  const providers = createProviders({ ...federated, secret: providerSecret });
  const signInSources = createSignInSources({ users, providers, directories: directories.store });
  lockDownLoaders();
  const storage = createStorageService({
    queries,
    clock,
    random,
    background,
    config: config.storage,
    box: createSecretBox(deriveKey(secrets.cookieSecret, 'storage-token')),
    backend: config.storage.s3 ? createS3Backend(config.storage.s3) : createDiskBackend(config.storage.root),
    rules: createRules(loadRules(config.storage.rulesFile)),
  });
  // Drops what expired (login failures, refresh tokens, sessions, tickets, storage reservations, old audit entries).
  const housekeeping = createHousekeeping({
    tables: housekeptTables(queries, { auditRetentionDays: config.audit.retentionDays }),
    clock,
    batchSize: HOUSEKEEPING_BATCH_SIZE,
    maxSecondsPerTable: HOUSEKEEPING_MAX_SECONDS_PER_TABLE,
    failed: (table, err) => log.warn({ err, table }, 'housekeeping failed on one table'),
  });
  const metrics = createMetrics(db);
  observeServices(metrics, { hasher, audit, storage, housekeeping });

  return {
    config,
    db,
    clock,
    random,
    queries,
    hasher,
    keys,
    dialectKeys,
    rotateKeys,
    accessTokens,
    refreshTokens,
    credentials,
    throttle,
    mfaThrottle,
    users,
    tickets,
    mfa,
    auth,
    reauth,
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
    providers,
    signInSources,
    secret: (purpose: string) => deriveKey(secrets.cookieSecret, purpose),
    startedAt: clock.now(),
    limits,
    housekeeping,
    metrics,
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
