import { DIALECT_IDS, DIALECT_SETTINGS } from '../http/dialects/settings.js';
import { checkDatabaseUrl, checkOrigins, checkUrl } from './checks.js';
import { bool, choiceList, int, oneOf, optionalStr, str, type Field } from './fields.js';

export const JWT_ALGORITHMS = ['HS256', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The server, where it keeps its state, and its tokens: the first part of the configuration reference. */
export const SERVER_FIELDS = {
  // Server
  PORT: int({ doc: 'TCP port to listen on.', default: 3000, min: 0, max: 65535 }),
  HOST: str({ doc: 'Interface to bind. Use 0.0.0.0 in a container or behind a load balancer.', default: '127.0.0.1' }),
  SERVER_URL: optionalStr({
    doc: 'Public base URL of this server (default http://localhost:PORT). Decides `COOKIE_SECURE` when that is unset.',
    check: checkUrl,
  }),
  TRUST_PROXY: str({
    doc:
      'Trust X-Forwarded-* from proxies: `false`, `true`, a hop count, or a comma-separated list of ' +
      'addresses/CIDRs.',
    default: 'false',
  }),
  BODY_LIMIT: int({
    doc: 'Largest accepted request body for the auth API, in bytes.',
    default: 65536,
    min: 1024,
    max: 10485760,
  }),
  CORS_ORIGINS: optionalStr({
    doc:
      'Origins (`https://app.example.com`, comma-separated) whose browser scripts may call the API with ' +
      "credentials. SERVER_URL's own origin is always allowed; `*` lets any other origin call without credentials.",
    check: checkOrigins,
  }),
  METRICS_TOKEN: optionalStr({
    doc:
      'When set, `GET /metrics` needs `Authorization: Bearer <token>`. Unset: /metrics is open (keep it off the ' +
      'public network).',
    secret: true,
  }),
  AUDIT_RETENTION_DAYS: int({
    doc: 'Audit log entries older than this many days are deleted (0 keeps them forever).',
    default: 180,
    min: 0,
    max: 36500,
  }),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    doc: 'pino log level.',
    default: 'info',
  }),
  SHUTDOWN_TIMEOUT: int({
    doc:
      'Seconds a stop (SIGTERM, SIGINT) may take: in-flight requests finish, then the rest are cut and the ' +
      'process exits 0. A second signal exits at once.',
    default: 10,
    min: 1,
    max: 3600,
  }),
  LOG_REQUESTS: bool({
    doc:
      'One `info` line per request (method, URL with credentials redacted, status, time, client address). Turn ' +
      'off when a proxy keeps access logs already.',
    default: true,
  }),

  DIALECTS: choiceList(DIALECT_IDS, {
    doc: `Wire dialects to serve: ${DIALECT_SETTINGS.map((m) => m.summary).join(', ')}.`,
    default: [...DIALECT_IDS],
  }),

  // Storage of state
  DATA_DIR: str({ doc: 'Directory for the embedded SQLite database and generated secrets.', default: './data' }),
  DATABASE_URL: optionalStr({
    doc: '`postgres://…` for PostgreSQL, or `sqlite:<file>`; default SQLite at `DATA_DIR/gatehouse.db`.',
    check: checkDatabaseUrl,
    secret: true,
  }),
  DATABASE_STATEMENT_TIMEOUT_MS: int({
    doc:
      'Longest a database statement may run, in ms (PostgreSQL `statement_timeout`; the client gives up 1 s later ' +
      'if the server does not answer at all). Beyond it the request answers 503.',
    default: 5000,
    min: 100,
    max: 600000,
  }),
  DATABASE_ACQUIRE_TIMEOUT_MS: int({
    doc:
      'Longest wait for a database connection, in ms: connecting or waiting for a free pooled connection ' +
      '(PostgreSQL), or for the write lock (SQLite busy timeout). Beyond it the request answers 503.',
    default: 3000,
    min: 50,
    max: 600000,
  }),

  // Tokens
  JWT_ALGORITHM: oneOf(JWT_ALGORITHMS, {
    doc: 'Signing algorithm of access tokens. RS256/ES256/EdDSA publish their public key at /auth/jwks.',
    default: 'HS512',
  }),
  JWT_KEY: optionalStr({
    doc:
      'HS*: a secret of at least 32 characters. RS256/ES256/EdDSA: a PKCS#8 PEM private key. Generated into ' +
      'DATA_DIR when unset.',
    secret: true,
  }),
  JWT_PREVIOUS_KEYS: optionalStr({
    doc:
      'With JWT_KEY set: earlier keys (comma-separated, same format as JWT_KEY) that still verify tokens but ' +
      'never sign. Rotate by moving JWT_KEY here and setting a new one.',
    secret: true,
  }),
  JWT_ISSUER: str({ doc: 'The `iss` claim of access tokens.', default: 'gatehouse' }),
  JWT_EXPIRES_IN: int({ doc: 'Access token lifetime, minutes.', default: 15, min: 1, max: 1440 }),
  JWT_REFRESH_EXPIRES_IN: int({ doc: 'Refresh token lifetime, minutes.', default: 43200, min: 5, max: 525600 }),
  JWT_CLAIMS_NAMESPACE: str({
    doc: 'Claim under which the Hasura claims are placed.',
    default: 'https://hasura.io/jwt/claims',
  }),
  REFRESH_TOKEN_REUSE_GRACE: int({
    doc:
      'Seconds during which a just-rotated refresh token still yields the same successor (multi-tab clients); ' +
      'reuse later ends the whole session (every credential of it, in every dialect).',
    default: 10,
    min: 0,
    max: 300,
  }),
  KEY_REFRESH_SECONDS: int({
    doc:
      "How often an instance re-reads the signing keys (the access tokens', the identity provider's, the dialects' " +
      'and the imported ones) from the database: the bound within which a rotation or an import on one instance ' +
      'signs and verifies on every other (at once on the instance that made it).',
    default: 30,
    min: 1,
    max: 3600,
  }),
  SESSION_CHECK_CACHE_MS: int({
    doc:
      'How long an instance trusts what it read of a user and a session: the bound within which a logout, ' +
      'disable, ban or password change on one instance holds on every other (at once on the instance that made ' +
      'it). 0 reads the database on every request.',
    default: 1000,
    min: 0,
    max: 60000,
  }),
  ACCESS_TOKEN_CACHE_SIZE: int({
    doc: 'Verified access tokens kept in memory (0 disables the cache).',
    default: 10000,
    min: 0,
    max: 1000000,
  }),
  REAUTH_MAX_AGE: int({
    doc:
      'Minutes a proof of the password or second factor (a sign-in, or `POST /auth/reauthenticate`) stays fresh for ' +
      'sensitive operations: minting a personal token, new recovery codes, turning MFA on or off, changing the ' +
      'email. Older proofs answer `403 reauthentication-required`.',
    default: 10,
    min: 1,
    max: 1440,
  }),
} satisfies Record<string, Field<unknown>>;
