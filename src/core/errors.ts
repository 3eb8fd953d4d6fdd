/**
 * The one error type of the core. `code` is stable and machine-readable; `message`
 * is safe to show to the caller. Dialects map it onto their own envelopes.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

const make = (code: string, status: number, message: string) => (detail?: string) =>
  new AppError(code, status, detail ?? message);

export const errors = {
  validation: make('validation-failed', 400, 'The request is invalid'),
  invalidJson: make('invalid-json', 400, 'The body is not valid JSON'),
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
  forbidden: make('forbidden', 403, 'You are not allowed to do this'),
  notFound: make('not-found', 404, 'Not found'),
  routeNotFound: make('route-not-found', 404, 'No such route'),
  emailInUse: make('email-in-use', 409, 'An account with this email already exists'),
  usernameInUse: make('username-in-use', 409, 'This username is taken'),
  payloadTooLarge: make('payload-too-large', 413, 'The request body is too large'),
  unsupportedMediaType: make('unsupported-media-type', 415, 'Unsupported Content-Type'),
  rateLimited: (retryAfterSeconds: number, detail?: string) =>
    new AppError('rate-limited', 429, detail ?? 'Too many requests, try again later', {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  unavailable: make('service-unavailable', 503, 'The service is unavailable'),
  // hasura-auth: a personal access token presented as a sign-in (`POST /signin/pat`).
  invalidPersonalToken: make('invalid-personal-token', 401, 'Invalid or expired personal access token'),
  // Anonymous users (hasura-auth's anonymous sign-in): what only they, or only other users, may do.
  userNotAnonymous: make('user-not-anonymous', 400, 'The signed-in user is not anonymous'),
  anonymousForbidden: make('anonymous-forbidden', 403, 'An anonymous user cannot do this: give it an email first'),
  /** A request that arrives while the server stops: another instance (or this one, restarted) can take it. */
  serverClosing: () =>
    new AppError('server-closing', 503, 'The server is shutting down, try again', { 'retry-after': '1' }),
  /** The database is unreachable, overloaded or too slow: the same answer in every dialect. */
  databaseUnavailable: () =>
    new AppError('database-unavailable', 503, 'The database is unavailable, try again shortly', { 'retry-after': '5' }),
} as const;
