import { Type } from '@sinclair/typebox';
import { AppError } from '../../../core/errors.js';
import type { Envelope } from '../manifest.js';

/** hasura-auth's error body (its `ErrorResponse`). */
export const HasuraError = Type.Object(
  {
    status: Type.Integer({ description: 'HTTP status' }),
    error: Type.String({ description: "hasura-auth's error code (invalid-email-password, invalid-refresh-token…)" }),
    message: Type.String(),
  },
  { description: "hasura-auth's error body" },
);

/** A hasura-auth refusal the core has no code for: its code is `hasura:<hasura-auth's error code>`. */
export class HasuraAuthError extends AppError {
  constructor(error: string, status: number, message: string) {
    super(`hasura:${error}`, status, message);
  }
}

const own = (error: string, status: number, message: string) => (detail?: string) =>
  new HasuraAuthError(error, status, detail ?? message);

/** hasura-auth's own refusals, for which the core has no code (messages as go/controller/errors.go words them). */
export const hasuraErrors = {
  invalidRequest: own('invalid-request', 400, 'The request payload is incorrect'),
  disabledEndpoint: own('disabled-endpoint', 409, 'This endpoint is disabled'),
  forbiddenAnonymous: own('forbidden-anonymous', 403, 'Forbidden, user is anonymous.'),
  userNotAnonymous: own('user-not-anonymous', 400, 'Logged in user is not anonymous'),
  invalidPat: own('invalid-pat', 401, 'Invalid or expired personal access token'),
  mfaTypeNotFound: own('mfa-type-not-found', 400, 'MFA type not found'),
  routeNotFound: own('route-not-found', 404, 'No such route'),
  mfaRequired: own('invalid-request', 400, 'This account has MFA: sign in with the password and a code'),
  invalidOtp: own('invalid-otp', 400, 'Invalid or expired OTP'),
  invalidTicket: own('invalid-ticket', 401, 'Invalid ticket'),
  redirectNotAllowed: own('redirectTo-not-allowed', 400, 'The value of "options.redirectTo" is not allowed.'),
};

type Wire = [status: number, error: string, message: string | undefined];

/**
 * Gatehouse's codes onto hasura-auth's (go/controller/errors.go): its status, code and, where it has a fixed
 * one, its message. `undefined` keeps the core's message (it says more, and hasura-auth has none).
 */
const BY_CODE: Record<string, Wire> = {
  'validation-failed': [400, 'invalid-request', undefined],
  'invalid-json': [400, 'invalid-request', 'The request payload is incorrect'],
  'weak-password': [400, 'password-too-short', undefined],
  'role-not-allowed': [400, 'role-not-allowed', 'Role not allowed'],
  'redirect-not-allowed': [400, 'redirectTo-not-allowed', 'The value of "options.redirectTo" is not allowed.'],
  'invalid-credentials': [401, 'invalid-email-password', 'Incorrect email or password'],
  'second-factor-required': [401, 'invalid-email-password', undefined],
  unauthenticated: [401, 'unauthenticated-user', 'User is not authenticated'],
  'invalid-token': [401, 'unauthenticated-user', 'User is not authenticated'],
  'invalid-refresh-token': [401, 'invalid-refresh-token', 'Invalid or expired refresh token'],
  'refresh-token-reused': [401, 'invalid-refresh-token', 'Invalid or expired refresh token'],
  'invalid-ticket': [401, 'invalid-ticket', 'Invalid ticket'],
  'invalid-mfa-code': [401, 'invalid-totp', 'Invalid TOTP code'],
  'mfa-not-generated': [400, 'no-totp-secret', 'User does not have a TOTP secret'],
  'mfa-already-enabled': [400, 'totp-already-active', 'TOTP MFA is already active'],
  'mfa-not-enabled': [400, 'disabled-mfa-totp', 'User does not have TOTP MFA enabled'],
  'invalid-personal-token': [401, 'invalid-pat', 'Invalid or expired personal access token'],
  'user-not-anonymous': [400, 'user-not-anonymous', 'Logged in user is not anonymous'],
  'anonymous-forbidden': [403, 'forbidden-anonymous', 'Forbidden, user is anonymous.'],
  'email-in-use': [409, 'email-already-in-use', 'Email already in use'],
  // hasura-auth answers every WebAuthn response that does not verify (signature, challenge) with invalid-request.
  'invalid-passkey': [400, 'invalid-request', undefined],
  'feature-disabled': [409, 'disabled-endpoint', 'This endpoint is disabled'],
};

/** Errors of this dialect's own (hasura-auth codes the core has no word for: invalid-pat, user-not-anonymous…). */
export function hasuraWire(err: AppError): Wire {
  if (err.code.startsWith('hasura:')) return [err.status, err.code.slice('hasura:'.length), err.message];
  const known = BY_CODE[err.code];
  if (known) return [known[0], known[1], known[2] ?? err.message];
  if (err.status >= 500 && err.status !== 503) return [500, 'internal-server-error', 'Internal server error'];
  if (err.status === 400) return [400, 'invalid-request', err.message];
  // Limits, outages, refusals the core words itself: the status stays, the core's code names it.
  return [err.status, err.code, err.message];
}

/** Every error of the dialect as hasura-auth writes it: `{status, error, message}`. */
export const hasuraEnvelope: Envelope = (err) => {
  const [status, error, message] = hasuraWire(err);
  return { status, body: { status, error, message } };
};
