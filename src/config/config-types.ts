import type { DialectSettings } from '../http/dialects/settings.js';
import type { FederationConfig } from './federation.js';
import type { IdpConfig } from './idp.js';
import type { OperatorConfig } from './operators.js';
import type { PasskeysConfig } from './passkeys.js';
import type { Dialect, JwtAlgorithm, RawConfig } from './schema.js';

export type Env = Record<string, string | undefined>;

export type Config = CoreConfig & DialectSettings;

export interface CoreConfig {
  server: {
    port: number;
    host: string;
    url: string;
    trustProxy: boolean | number | string[];
    bodyLimit: number;
    logLevel: string;
    shutdownTimeoutSeconds: number;
    logRequests: boolean;
  };
  /** Origins allowed with credentials (SERVER_URL's included); `anyOrigin` adds every other origin without them. */
  cors: { origins: string[]; anyOrigin: boolean };
  metrics: { token: string | undefined };
  audit: { retentionDays: number };
  dialects: Dialect[];
  dataDir: string;
  database: ({ kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string }) & DatabaseTimeouts;
  jwt: {
    algorithm: JwtAlgorithm;
    key: string | undefined;
    /** Operator-managed earlier keys, verify only (with `key` set). */
    previousKeys: string[];
    issuer: string;
    expiresInMinutes: number;
    refreshExpiresInMinutes: number;
    claimsNamespace: string;
    /** KEY_REFRESH_SECONDS: how often the key rings re-read the keys table. */
    keyRefreshSeconds: number;
    reuseGraceSeconds: number;
    cacheSize: number;
    sessionCheckCacheMs: number;
    /** How old a session's proof (sign-in or re-authentication) may be for a sensitive operation. */
    reauthMaxAgeMinutes: number;
  };
  users: {
    autoActivate: boolean;
    defaultRole: string;
    defaultAllowedRoles: string[];
    allowedRoles: string[];
    customFields: string[];
  };
  passwords: {
    minLength: number;
    maxLength: number;
    argon2: { memoryCost: number; timeCost: number; parallelism: number };
  };
  cookies: { secure: boolean; sameSite: 'lax' | 'strict' | 'none'; secret: string | undefined };
  rateLimit: {
    enabled: boolean;
    windowSeconds: number;
    authPerIp: number;
    authPerAccount: number;
    refreshPerIp: number;
    refreshPerAccount: number;
    redisUrl: string | undefined;
    loginMaxFailuresPerHour: number;
    emailPerAddress: number;
    emailPerIp: number;
  };
  mail: {
    smtp:
      | { host: string; port: number; secure: boolean; user: string | undefined; pass: string | undefined }
      | undefined;
    sender: string;
    templatesDir: string | undefined;
  };
  storage: {
    root: string;
    rulesFile: string | undefined;
    maxFileSize: number;
    quota: number;
    adminSecret: string | undefined;
    /** Origin (and path prefix) that share links are redirected to. */
    publicUrl: string | undefined;
    s3:
      | {
          bucket: string;
          endpoint: string | undefined;
          region: string;
          accessKeyId: string | undefined;
          secretAccessKey: string | undefined;
        }
      | undefined;
    image: { maxPixels: number; timeoutSeconds: number; concurrency: number; queue: number };
    /**
     * How long an instance may serve what it read of a file: the cross-instance bound of a replace, delete or token
     * rotation.
     */
    metadataCacheMs: number;
    uploadTimeoutSeconds: number;
    orphanGraceSeconds: number;
    sweepIntervalMinutes: number;
  };
  console: { enabled: boolean };
  /**
   * Every variable's parsed value (defaults included) and whether the environment set it: the admin console shows them,
   * secrets masked.
   */
  settings: { values: RawConfig; explicit: string[] };
  lifecycle: {
    magicLink: boolean;
    verifyEmails: boolean;
    notifyEmailChange: boolean;
    lostPassword: boolean;
    selfDelete: boolean;
    mfa: boolean;
    otpIssuer: string;
    redirectSuccess: string;
    redirectError: string;
    redirectTokenIn: 'query' | 'fragment';
    /** Ticket lifetimes, minutes. */
    ticketMinutes: {
      activation: number;
      'magic-link': number;
      'password-reset': number;
      'email-change': number;
      mfa: number;
      'email-code': number;
    };
  };
  federation: FederationConfig;
  passkeys: PasskeysConfig;
  /** The OpenID Connect provider and forward-auth. */
  idp: IdpConfig;
  /** First run, log format; `warnings`: unknown variables that look like settings (STRICT_CONFIG refuses them). */
  operators: OperatorConfig & { warnings: string[] };
}

/** Bounds on every database call (see DATABASE_*_TIMEOUT_MS). */
export interface DatabaseTimeouts {
  statementTimeoutMs: number;
  acquireTimeoutMs: number;
}
