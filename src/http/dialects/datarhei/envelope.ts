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

/** Core's {code, message, details} body. */
export const datarheiEnvelope: Envelope = (err) => {
  if (err instanceof CoreError)
    return {
      status: err.status,
      body: { code: err.status, message: err.status === 400 ? 'Bad Request' : 'Unauthorized', details: [err.message] },
    };
  if (err.code === 'passkey-required')
    return { status: 401, body: { code: 401, message: 'Unauthorized', details: [err.message] } };
  if (err.code === 'second-factor-required')
    return {
      status: 401,
      body: { code: 401, message: 'Unauthorized', details: [`${err.message}: use the identity-provider login`] },
    };
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
    return { status: 400, body: { code: 400, message: 'Bad Request', details: ['Missing authorization credentials'] } };
  if (err.status >= 500 && err.status !== 503)
    return { status: err.status, body: { code: err.status, message: 'Internal Server Error', details: [] } };
  return { status: err.status, body: { code: err.status, message: err.message, details: [] } };
};
