import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Config, DatabaseTimeouts, Env } from './config-types.js';
import { CONFIG_FIELDS, type RawConfig } from './schema.js';
import type { Field } from './fields.js';
import { DIALECT_SETTINGS, type DialectSettings } from '../http/dialects/settings.js';
import { federationConfig } from './federation.js';
import { passkeysConfig } from './passkeys.js';

export type { Config, CoreConfig, DatabaseTimeouts, Env } from './config-types.js';
import { idpConfig } from './idp.js';
import { operatorConfig } from './operators.js';
import { unknownVariables } from './unknown-vars.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names a boolean may also be given under: HBP spelled many flags `*_ENABLE`. */
export function aliasesOf(name: string, field: Field<unknown>): string[] {
  const extra = field.aliases ?? [];
  if (field.kind !== 'boolean') return extra;
  const alias = name.endsWith('_ENABLED') ? name.replace(/_ENABLED$/, '_ENABLE') : `${name}_ENABLE`;
  return [alias, ...extra];
}

function readRaw(env: Env, problems: string[], explicit: string[]): RawConfig {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(CONFIG_FIELDS) as [string, Field<unknown>][]) {
    const source = [name, ...aliasesOf(name, field)].find((n) => env[n] !== undefined && env[n] !== '');
    if (source === undefined) {
      out[name] = field.fallback?.();
      continue;
    }
    explicit.push(name);
    const parsed = field.parse(env[source] as string);
    if (parsed.ok) out[name] = parsed.value;
    else {
      problems.push(`${source}: ${parsed.reason}`);
      out[name] = field.fallback?.(); // keeps the cross-field checks below from tripping over a hole
    }
  }
  return out as RawConfig;
}

function parseTrustProxy(raw: string, problems: string[]): boolean | number | string[] {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.every((s) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(s) || ['loopback', 'linklocal', 'uniquelocal'].includes(s)))
    return list;
  problems.push(`TRUST_PROXY: must be true, false, a hop count or a list of addresses/CIDRs, got "${raw}"`);
  return false;
}

/** SERVER_URL's origin plus the listed ones, deduplicated; `*` becomes a flag. */
function corsOrigins(raw: string | undefined, serverUrl: string, defaultPort?: number): Config['cors'] {
  const listed = (raw ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
  // The default SERVER_URL says localhost; /docs opened at 127.0.0.1 is the same server.
  const own =
    defaultPort === undefined
      ? [new URL(serverUrl).origin]
      : [`http://localhost:${defaultPort}`, `http://127.0.0.1:${defaultPort}`];
  const origins = [...new Set([...own, ...listed.filter((o) => o !== '*')])];
  return { origins, anyOrigin: listed.includes('*') };
}

/** Parses and validates the whole configuration; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const explicit: string[] = [];
  const raw = readRaw(env, problems, explicit);

  const defaultAllowed = raw.DEFAULT_ALLOWED_USER_ROLES ?? [raw.DEFAULT_USER_ROLE];
  const allowed = raw.ALLOWED_USER_ROLES ?? defaultAllowed;
  if (!defaultAllowed.includes(raw.DEFAULT_USER_ROLE)) {
    problems.push(`DEFAULT_ALLOWED_USER_ROLES: must contain DEFAULT_USER_ROLE "${raw.DEFAULT_USER_ROLE}"`);
  }
  const missing = defaultAllowed.filter((r) => !allowed.includes(r));
  if (missing.length)
    problems.push(`ALLOWED_USER_ROLES: must contain every default allowed role (missing ${missing.join(', ')})`);

  const isHmac = raw.JWT_ALGORITHM.startsWith('HS');
  if (raw.JWT_KEY !== undefined && isHmac && raw.JWT_KEY.length < 32)
    problems.push('JWT_KEY: an HMAC secret must be at least 32 characters');
  if (raw.JWT_KEY !== undefined && !isHmac && !raw.JWT_KEY.includes('-----BEGIN'))
    problems.push(`JWT_KEY: ${raw.JWT_ALGORITHM} needs a PEM private key`);
  if (raw.JWT_PREVIOUS_KEYS !== undefined && raw.JWT_KEY === undefined)
    problems.push(
      'JWT_PREVIOUS_KEYS: only with JWT_KEY set (without it keys live in the database: `gatehouse keys rotate`)',
    );
  if (raw.ADMIN_SECRET !== undefined && raw.ADMIN_SECRET.length < 32)
    problems.push('ADMIN_SECRET: must be at least 32 characters');
  if (raw.COOKIE_SECRET !== undefined && raw.COOKIE_SECRET.length < 32)
    problems.push('COOKIE_SECRET: must be at least 32 characters');
  if (raw.MIN_PASSWORD_LENGTH > raw.MAX_PASSWORD_LENGTH)
    problems.push('MIN_PASSWORD_LENGTH: must not exceed MAX_PASSWORD_LENGTH');

  const url = (raw.SERVER_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  const cookieSecure = raw.COOKIE_SECURE ?? url.startsWith('https:');
  if (raw.COOKIE_SAME_SITE === 'none' && !cookieSecure)
    problems.push('COOKIE_SAME_SITE: "none" requires COOKIE_SECURE=true');
  const trustProxy = parseTrustProxy(raw.TRUST_PROXY, problems);
  const federation = federationConfig(raw, problems);
  const operators = operatorConfig(raw, problems);
  const warnings = unknownVariables(env, knownVariables(), Object.keys(CONFIG_FIELDS));
  if (raw.STRICT_CONFIG) problems.push(...warnings.map((w) => `${w} (STRICT_CONFIG=true refuses it)`));

  if (problems.length) throw new ConfigError(problems);

  const cors = corsOrigins(raw.CORS_ORIGINS, url, raw.SERVER_URL === undefined ? raw.PORT : undefined);
  const dataDir = path.resolve(raw.DATA_DIR);
  const dbUrl = raw.DATABASE_URL;
  const timeouts: DatabaseTimeouts = {
    statementTimeoutMs: raw.DATABASE_STATEMENT_TIMEOUT_MS,
    acquireTimeoutMs: raw.DATABASE_ACQUIRE_TIMEOUT_MS,
  };
  const database: Config['database'] =
    dbUrl === undefined
      ? { kind: 'sqlite', file: path.join(dataDir, 'gatehouse.db'), ...timeouts }
      : dbUrl.startsWith('sqlite:')
        ? { kind: 'sqlite', file: path.resolve(dbUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')), ...timeouts }
        : { kind: 'postgres', url: dbUrl, ...timeouts };

  return {
    server: {
      port: raw.PORT,
      host: raw.HOST,
      url,
      trustProxy,
      bodyLimit: raw.BODY_LIMIT,
      logLevel: raw.LOG_LEVEL,
      shutdownTimeoutSeconds: raw.SHUTDOWN_TIMEOUT,
      logRequests: raw.LOG_REQUESTS,
    },
    cors,
    metrics: { token: raw.METRICS_TOKEN },
    audit: { retentionDays: raw.AUDIT_RETENTION_DAYS },
    dialects: raw.DIALECTS,
    ...(Object.fromEntries(DIALECT_SETTINGS.map((m) => [m.id, m.readConfig(raw as never)])) as DialectSettings),
    dataDir,
    database,
    jwt: {
      algorithm: raw.JWT_ALGORITHM,
      key: raw.JWT_KEY,
      previousKeys: (raw.JWT_PREVIOUS_KEYS ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
      issuer: raw.JWT_ISSUER,
      expiresInMinutes: raw.JWT_EXPIRES_IN,
      refreshExpiresInMinutes: raw.JWT_REFRESH_EXPIRES_IN,
      claimsNamespace: raw.JWT_CLAIMS_NAMESPACE,
      reuseGraceSeconds: raw.REFRESH_TOKEN_REUSE_GRACE,
      cacheSize: raw.ACCESS_TOKEN_CACHE_SIZE,
      sessionCheckCacheMs: raw.SESSION_CHECK_CACHE_MS,
      keyRefreshSeconds: raw.KEY_REFRESH_SECONDS,
      reauthMaxAgeMinutes: raw.REAUTH_MAX_AGE,
    },
    users: {
      autoActivate: raw.AUTO_ACTIVATE_NEW_USERS,
      defaultRole: raw.DEFAULT_USER_ROLE,
      defaultAllowedRoles: defaultAllowed,
      allowedRoles: allowed,
      customFields: raw.REGISTRATION_CUSTOM_FIELDS,
    },
    passwords: {
      minLength: raw.MIN_PASSWORD_LENGTH,
      maxLength: raw.MAX_PASSWORD_LENGTH,
      argon2: {
        memoryCost: raw.ARGON2_MEMORY_KIB,
        timeCost: raw.ARGON2_ITERATIONS,
        parallelism: raw.ARGON2_PARALLELISM,
      },
    },
    cookies: { secure: cookieSecure, sameSite: raw.COOKIE_SAME_SITE, secret: raw.COOKIE_SECRET },
    rateLimit: {
      enabled: raw.RATE_LIMIT_ENABLED,
      windowSeconds: raw.RATE_LIMIT_WINDOW,
      authPerIp: raw.RATE_LIMIT_AUTH_PER_IP,
      authPerAccount: raw.RATE_LIMIT_AUTH_PER_ACCOUNT,
      refreshPerIp: raw.RATE_LIMIT_REFRESH_PER_IP,
      refreshPerAccount: raw.RATE_LIMIT_REFRESH_PER_ACCOUNT,
      redisUrl: raw.RATE_LIMIT_REDIS_URL,
      loginMaxFailuresPerHour: raw.LOGIN_MAX_FAILURES_PER_HOUR,
      emailPerAddress: raw.RATE_LIMIT_EMAIL_PER_ADDRESS,
      emailPerIp: raw.RATE_LIMIT_EMAIL_PER_IP,
    },
    mail: {
      smtp: raw.SMTP_HOST
        ? {
            host: raw.SMTP_HOST,
            port: raw.SMTP_PORT,
            secure: raw.SMTP_SECURE,
            user: raw.SMTP_USER,
            pass: raw.SMTP_PASS,
          }
        : undefined,
      sender: raw.SMTP_SENDER,
      templatesDir: raw.EMAIL_TEMPLATES_DIR && path.resolve(raw.EMAIL_TEMPLATES_DIR),
    },
    storage: {
      root: path.join(dataDir, 'storage'),
      rulesFile: raw.STORAGE_RULES && path.resolve(raw.STORAGE_RULES),
      maxFileSize: raw.STORAGE_MAX_FILE_SIZE,
      quota: raw.STORAGE_QUOTA,
      adminSecret: raw.ADMIN_SECRET,
      publicUrl: raw.STORAGE_PUBLIC_URL?.replace(/\/+$/, ''),
      s3: raw.S3_BUCKET
        ? {
            bucket: raw.S3_BUCKET,
            endpoint: raw.S3_ENDPOINT,
            region: raw.S3_REGION,
            accessKeyId: raw.S3_ACCESS_KEY_ID,
            secretAccessKey: raw.S3_SECRET_ACCESS_KEY,
          }
        : undefined,
      image: {
        maxPixels: raw.STORAGE_IMAGE_MAX_PIXELS,
        timeoutSeconds: raw.STORAGE_IMAGE_TIMEOUT,
        concurrency: raw.STORAGE_IMAGE_CONCURRENCY || availableParallelism(),
        queue: raw.STORAGE_IMAGE_QUEUE,
      },
      metadataCacheMs: raw.STORAGE_METADATA_CACHE_MS,
      uploadTimeoutSeconds: raw.STORAGE_UPLOAD_TIMEOUT,
      orphanGraceSeconds: raw.STORAGE_ORPHAN_GRACE,
      sweepIntervalMinutes: raw.STORAGE_SWEEP_INTERVAL,
    },
    console: { enabled: raw.CONSOLE_ENABLED },
    settings: { values: raw, explicit },
    lifecycle: {
      magicLink: raw.MAGIC_LINK_ENABLED,
      verifyEmails: raw.VERIFY_EMAILS,
      notifyEmailChange: raw.NOTIFY_EMAIL_CHANGE,
      lostPassword: raw.LOST_PASSWORD_ENABLED,
      selfDelete: raw.ALLOW_USER_SELF_DELETE,
      mfa: raw.MFA_ENABLED,
      otpIssuer: raw.OTP_ISSUER,
      redirectSuccess: raw.REDIRECT_URL_SUCCESS ?? url,
      redirectError: raw.REDIRECT_URL_ERROR ?? url,
      redirectTokenIn: raw.REDIRECT_TOKEN_IN,
      ticketMinutes: {
        activation: raw.TICKET_EXPIRES_ACTIVATION,
        'magic-link': raw.TICKET_EXPIRES_MAGIC_LINK,
        'password-reset': raw.TICKET_EXPIRES_PASSWORD_RESET,
        'email-change': raw.TICKET_EXPIRES_EMAIL_CHANGE,
        mfa: raw.TICKET_EXPIRES_MFA,
        'email-code': raw.TICKET_EXPIRES_EMAIL_CODE,
      },
    },
    federation,
    passkeys: passkeysConfig(raw, url, cors.origins),
    idp: idpConfig(raw),
    operators: { ...operators, warnings },
  };
}

/** hasura-auth's own settings, which `gatehouse import hasura-auth --signing-keys` reads as they are named there. */
const IMPORT_VARIABLES = ['HASURA_GRAPHQL_JWT_SECRET', 'AUTH_ACCESS_TOKEN_EXPIRES_IN'];

/** Every name Gatehouse reads from the environment, aliases included. */
export function knownVariables(): Set<string> {
  const fields = Object.entries(CONFIG_FIELDS) as [string, Field<unknown>][];
  return new Set([...fields.flatMap(([name, field]) => [name, ...aliasesOf(name, field)]), ...IMPORT_VARIABLES]);
}
