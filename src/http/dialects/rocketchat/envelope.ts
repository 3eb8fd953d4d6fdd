import { AppError } from '../../../core/errors.js';
import { type Envelope, isUnknownPath } from '../manifest.js';

/** Rocket.Chat's two-factor answers: `totp-required` (no code sent) and `totp-invalid`. */
export class TotpError extends AppError {
  constructor(readonly rcError: 'totp-required' | 'totp-invalid') {
    super(rcError, 401, rcError === 'totp-required' ? 'TOTP Required' : 'TOTP Invalid [totp-invalid]');
  }
}

export const rocketchatEnvelope: Envelope = (err, request) => {
  // Rocket.Chat's REST API is a Hono app (@rocket.chat/http-router) with no notFound handler of its own: a path
  // or verb it does not route gets Hono's default answer, plain text, before any authentication.
  if (isUnknownPath(request))
    return { status: 404, body: '404 Not Found', headers: { 'content-type': 'text/plain; charset=UTF-8' } };
  if (err instanceof TotpError)
    return {
      status: 401,
      body: {
        success: false,
        status: 'error',
        error: err.rcError,
        message: err.message,
        details: { method: 'totp', availableMethods: ['totp'] },
      },
    };
  if (err.code === 'passkey-required')
    return { status: 401, body: { success: false, status: 'error', error: err.code, message: err.message } };
  if (err.status === 401)
    return { status: 401, body: { success: false, status: 'error', error: 'Unauthorized', message: 'Unauthorized' } };
  if (err.status === 429) {
    const wait = Number(err.headers['retry-after'] ?? 1);
    return {
      status: 429,
      body: {
        success: false,
        error:
          'Error, too many requests. Please slow down. ' +
          `You must wait ${wait} seconds before trying this endpoint again. [error-too-many-requests]`,
      },
    };
  }
  return {
    status: err.status,
    body: { success: false, error: err.status >= 500 && err.status !== 503 ? 'Internal server error' : err.message },
  };
};
