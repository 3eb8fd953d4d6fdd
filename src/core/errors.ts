/** What a factory may add to an error: the caught error it wraps (kept as `cause`, never shown). */
export interface ErrorOptions {
  cause?: unknown;
}

/**
 * The one error type of the core. `code` is stable and machine-readable; `message` is safe to
 * show to the caller; `headers` go out with the answer; `cause` keeps a wrapped error for the log.
 * Dialects map it onto their own envelopes. Only the catalogue below (and a dialect's wire
 * errors, subclasses in its `envelope.ts`) creates one.
 */
export class AppError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** A catalogue entry: `errors.x(detail?, { cause })`, its `code`, and `is(err)` to recognize one. */
export type ErrorFactory<C extends string, A extends unknown[] = [detail?: string, options?: ErrorOptions]> = ((
  ...args: A
) => AppError<C>) & {
  readonly code: C;
  readonly status: number;
  is(err: unknown): err is AppError<C>;
};

function entry<C extends string, A extends unknown[]>(
  code: C,
  status: number,
  create: (...args: A) => AppError<C>,
): ErrorFactory<C, A> {
  const is = (err: unknown): err is AppError<C> => err instanceof AppError && err.code === code;
  return Object.assign(create, { code, status, is });
}

/** An entry whose detail (when given) replaces the safe message. */
const make = <C extends string>(code: C, status: number, message: string, headers: Record<string, string> = {}) =>
  entry(
    code,
    status,
    (detail?: string, options?: ErrorOptions) => new AppError(code, status, detail ?? message, headers, options),
  );

/**
 * The catalogue: every error the core and the HTTP layer answer, with its code, status, safe
 * message and headers. Add an entry here (in a block named after your topic) rather than
 * creating an AppError elsewhere; `test/architecture.test.ts` refuses `new AppError` outside.
 */
export const errors = {
  // Requests
  validation: make('validation-failed', 400, 'The request is invalid'),
  invalidJson: make('invalid-json', 400, 'The body is not valid JSON'),
  invalidUrl: make('invalid-url', 400, 'The URL is not valid percent-encoded UTF-8'),
  invalidMultipart: make('invalid-multipart', 400, 'The multipart body is malformed'),
  payloadTooLarge: make('payload-too-large', 413, 'The request body is too large'),
  unsupportedMediaType: make('unsupported-media-type', 415, 'Unsupported Content-Type'),
  routeNotFound: make('route-not-found', 404, 'No such route'),
  notFound: make('not-found', 404, 'Not found'),
  featureDisabled: make('feature-disabled', 404, 'This feature is disabled'),
  forbidden: make('forbidden', 403, 'You are not allowed to do this'),
  rateLimited: entry(
    'rate-limited',
    429,
    (retryAfterSeconds: number, detail?: string) =>
      new AppError('rate-limited', 429, detail ?? 'Too many requests, try again later', {
        'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
      }),
  ),

  // Accounts and sign-in
  weakPassword: make('weak-password', 400, 'The password does not meet the requirements'),
  roleNotAllowed: make('role-not-allowed', 400, 'A requested role is not allowed'),
  invalidCredentials: make('invalid-credentials', 401, 'Incorrect email or password'),
  unauthenticated: make('unauthenticated', 401, 'Authentication is required'),
  invalidToken: make('invalid-token', 401, 'The access token is invalid or expired'),
  invalidRefreshToken: make('invalid-refresh-token', 401, 'The refresh token is invalid or expired'),
  refreshTokenReused: make(
    'refresh-token-reused',
    401,
    'The refresh token was already used; the session has been revoked',
  ),
  secondFactorRequired: make(
    'second-factor-required',
    401,
    'This account requires a second factor, which this login method cannot carry',
  ),
  reauthenticationRequired: make('reauthentication-required', 403, 'This needs a recent proof of identity'),
  emailInUse: make('email-in-use', 409, 'An account with this email already exists'),
  usernameInUse: make('username-in-use', 409, 'This username is taken'),
  invalidTicket: make('invalid-ticket', 401, 'The ticket is invalid, expired or already used'),
  /** The identity provider's sign-in: its interaction (cookie) is gone, of another sign-in, or past this step. */
  signInExpired: make('sign-in-expired', 400, 'This sign-in has expired: go back to the application and start again'),
  mailUnavailable: make('mail-unavailable', 503, 'The confirmation email could not be sent; try again later'),

  // Multi-factor authentication
  invalidMfaCode: make('invalid-mfa-code', 401, 'The code is invalid or was already used'),
  mfaAlreadyEnabled: make('mfa-already-enabled', 409, 'Multi-factor authentication is already enabled'),
  mfaNotEnabled: make('mfa-not-enabled', 400, 'Multi-factor authentication is not enabled'),
  mfaNotGenerated: make('mfa-not-generated', 400, 'Call /auth/mfa/generate first'),

  // Signing keys
  keysManagedByOperator: make(
    'keys-managed-by-operator',
    409,
    'JWT_KEY is set, so the signing keys are managed in the configuration: set the new key as JWT_KEY and move ' +
      'the old one to JWT_PREVIOUS_KEYS, then restart every instance',
  ),
  jwksUnavailable: make('jwks-unavailable', 404, 'No JWKS: the signing key is a shared secret'),

  // Realms and directories
  realmExists: make('realm-exists', 409, 'The realm exists already'),
  directoryUnavailable: make('directory-unavailable', 503, 'The directory cannot be reached; try again later'),
  directoryExists: make('directory-exists', 409, 'This realm has a directory already'),
  directoryFromFile: make('directory-from-file', 409, 'This directory comes from DIRECTORIES_FILE; change it there'),
  directoryDefaultInFile: make(
    'directory-default-in-file',
    409,
    'DIRECTORIES_FILE names the default directory already',
  ),
  identityLinked: make('identity-linked', 409, 'This directory entry is linked to an account already'),
  passwordManagedByDirectory: make(
    'password-managed-by-directory',
    409,
    "This account's password is managed by its directory; change it there",
  ),

  // Sign-in providers
  providerUnavailable: make('provider-unavailable', 503, 'The sign-in provider cannot be reached; try again later'),
  providerLoginFailed: make('provider-login-failed', 401, 'The sign-in with the provider failed'),
  invalidState: make(
    'invalid-state',
    400,
    'The sign-in was not started here, has expired, or was finished already; start again',
  ),
  redirectNotAllowed: make('redirect-not-allowed', 400, 'redirect_url is not among the allowed redirect URLs'),
  domainNotAllowed: make('domain-not-allowed', 403, 'This provider account’s email domain may not sign in here'),
  providerAlreadyLinked: make('provider-already-linked', 409, 'This provider account is linked to another user'),
  providerEmailMissing: make('provider-email-missing', 400, 'The provider did not share an email address'),
  providerEmailUnverified: make(
    'provider-email-unverified',
    409,
    'An account with this email exists, and the provider did not verify the address, so it is not linked',
  ),
  accountExistsUnproven: make(
    'account-exists-unproven',
    409,
    'An account with this email exists but its address was never proven: sign in to it and link the provider ' +
      'from there, or prove the address first',
  ),
  lastSignInMethod: make(
    'last-sign-in-method',
    409,
    'This is your only way to sign in: set a password or link another provider first',
  ),

  // Storage
  invalidPath: make('invalid-path', 400, 'Invalid storage path'),
  pathConflict: make('path-conflict', 409, 'A file and a folder cannot share a path'),
  invalidMarker: make('invalid-marker', 400, 'Invalid marker'),
  invalidLimit: make('invalid-limit', 400, 'The limit is out of range'),
  quotaExceeded: make('quota-exceeded', 413, 'The storage quota would be exceeded'),
  uploadTimeout: make('upload-timeout', 408, 'The upload took too long'),
  notAnImage: make('not-an-image', 400, 'Transforms apply to PNG, JPEG, WebP and AVIF images'),
  invalidTransform: make('invalid-transform', 400, 'The image parameters are invalid'),
  invalidImage: make('invalid-image', 400, 'The image cannot be decoded'),
  imageTooLarge: make('image-too-large', 400, 'The image has too many pixels'),
  transformTimeout: make('transform-timeout', 503, 'The image took too long to transform'),
  transformsBusy: make('transforms-busy', 503, 'Too many image transforms at once, try again shortly', {
    'retry-after': '1',
  }),

  // The server
  internal: make('internal-error', 500, 'Internal error'),
  consoleNotBuilt: make('console-not-built', 503, 'The admin console is not built: run `npm run build:console`'),
  unavailable: make('service-unavailable', 503, 'The service is unavailable'),
  // hasura-auth: a personal access token presented as a sign-in (`POST /signin/pat`).
  invalidPersonalToken: make('invalid-personal-token', 401, 'Invalid or expired personal access token'),
  // Anonymous users (hasura-auth's anonymous sign-in): what only they, or only other users, may do.
  userNotAnonymous: make('user-not-anonymous', 400, 'The signed-in user is not anonymous'),
  anonymousForbidden: make('anonymous-forbidden', 403, 'An anonymous user cannot do this: give it an email first'),
  /** A request that arrives while the server stops: another instance (or this one, restarted) can take it. */
  serverClosing: make('server-closing', 503, 'The server is shutting down, try again', { 'retry-after': '1' }),
  /** The database is unreachable, overloaded or too slow: the same answer in every dialect. */
  databaseUnavailable: make('database-unavailable', 503, 'The database is unavailable, try again shortly', {
    'retry-after': '5',
  }),
  /** A stand-in of a given status, for asking an envelope which status it answers for it (no code of its own). */
  ofStatus: entry('shared', 0, (status: number) => new AppError('shared', status, '')),

  // Passkeys (WebAuthn) and app passwords
  /** The password was right, but the account's second factor is a passkey and this request cannot carry one. */
  passkeyRequired: make(
    'passkey-required',
    401,
    "This account's second factor is a passkey, which this login cannot carry: sign in with the passkey, or " +
      'create an app password for this door',
  ),
  /** A ceremony that failed: unknown or removed credential, bad signature, origin, RP id, challenge or counter. */
  invalidPasskey: make('invalid-passkey', 401, 'The passkey could not be verified'),
  /** The challenge was never issued, was already used, belongs to another ceremony or session, or expired. */
  invalidChallenge: make('invalid-challenge', 400, 'The challenge is invalid, expired or already used'),
  passkeyExists: make('passkey-exists', 409, 'This passkey is already registered'),
  passkeysDisabled: make('passkeys-disabled', 404, 'Passkeys are turned off (WEBAUTHN_ENABLED=false)'),

  // Identity provider (issue 28): OpenID Connect clients and forward-auth
  oidcClientExists: make('oidc-client-exists', 409, 'A client with this id already exists'),
  oidcClientReadOnly: make(
    'oidc-client-read-only',
    409,
    'This client comes from OIDC_CLIENTS_FILE and cannot be changed here',
  ),
  oidcClientInvalid: make('oidc-client-invalid', 400, 'The client settings are invalid'),
  oidcDisabled: make('oidc-disabled', 404, 'The OpenID Connect provider is not enabled (OIDC_ENABLED)'),

  // Issue 29, first run and operators: the setup link, the bootstrap admin.
  setupLinkInvalid: make(
    'setup-link-invalid',
    403,
    'This setup link is invalid, expired or already used: ' +
      'restart Gatehouse to print a new one (only while no admin exists)',
  ),
  setupInProgress: make('setup-in-progress', 409, 'The first admin is being created by another request'),
  setupNotLocal: make(
    'setup-not-local',
    403,
    'The setup link works only from the server itself (loopback): open it there, or set SETUP_ALLOW_REMOTE=true',
  ),
  /** Storage: an upload refused by the rules, and one that signing in would allow. */
  uploadNotAllowed: make('upload-not-allowed', 403, 'You may not upload here'),
  signInToUpload: make('sign-in-required', 401, 'Sign in to upload here'),
  alreadyActive: make('already-active', 409, 'The account is active already: there is nothing to activate'),
  userDisabled: make('user-disabled', 409, 'The account is disabled'),
  /** Start-up only (never an HTTP answer): the bootstrap admin's password file cannot be read. */
  adminPasswordFileUnreadable: make(
    'admin-password-file-unreadable',
    500,
    'GATEHOUSE_ADMIN_PASSWORD_FILE cannot be read',
  ),
} as const;

/** Every code of the catalogue. */
export type ErrorCode = (typeof errors)[keyof typeof errors]['code'];

/** Whether `err` is the catalogue's error `code` (codes are compared, never messages). */
export const hasCode = (err: unknown, code: ErrorCode): err is AppError<ErrorCode> =>
  err instanceof AppError && err.code === code;
