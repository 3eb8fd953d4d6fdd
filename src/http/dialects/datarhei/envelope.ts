import { AppError } from '../../../core/errors.js';
import type { Envelope } from '../manifest.js';

/** A datarhei Core error with its own detail line. */
export class CoreError extends AppError {
  constructor(status: 400 | 401, detail: string) {
    super(status === 400 ? 'bad-request' : 'unauthorized', status, detail);
  }
}

export const missingCredentials = () => new CoreError(400, 'Missing authorization credentials');
export const badJwt = () => new CoreError(401, 'Missing or invalid JWT token');

/**
 * What restreamer-ui shows of a failed login: "Login failed: <message>" (it never shows `details`), so the
 * second-factor hint is the message itself, with Core's shape kept.
 */
const SECOND_FACTOR_HINTS = {
  refuse: 'Second factor required: sign in with the identity provider',
  append: 'Second factor required: append the current one-time code to the password',
};

/** Core's {code, message, details} body; `mfa` says which hint a user with a second factor gets. */
export const datarheiEnvelope =
  (mfa: keyof typeof SECOND_FACTOR_HINTS): Envelope =>
  (err) => {
    if (err instanceof CoreError)
      return {
        status: err.status,
        body: {
          code: err.status,
          message: err.status === 400 ? 'Bad Request' : 'Unauthorized',
          details: [err.message],
        },
      };
    if (err.code === 'passkey-required')
      return { status: 401, body: { code: 401, message: err.message, details: [err.message] } };
    if (err.code === 'second-factor-required')
      return { status: 401, body: { code: 401, message: SECOND_FACTOR_HINTS[mfa], details: [err.message] } };
    if (err.status === 401)
      return {
        status: 401,
        body: {
          code: 401,
          message: 'Unauthorized',
          details: ['Invalid authorization credentials: invalid username or password'],
        },
      };
    if ([400, 413, 415].includes(err.status))
      return {
        status: 400,
        body: { code: 400, message: 'Bad Request', details: ['Missing authorization credentials'] },
      };
    // Echo's own 404, as Core's error handler renders it: the status text as message and as the one detail.
    if (err.status === 404) return { status: 404, body: { code: 404, message: 'Not Found', details: ['Not Found'] } };
    if (err.status >= 500 && err.status !== 503)
      return { status: err.status, body: { code: err.status, message: 'Internal Server Error', details: [] } };
    return { status: err.status, body: { code: err.status, message: err.message, details: [] } };
  };
