import { AppError } from '../../../core/errors.js';
import type { Envelope } from '../manifest.js';

export const PI_VERSION = 'privacyIDEA 3.9';
const PI_VERSION_NUMBER = '3.9';

/** privacyIDEA's numbered authentication errors. */
export class PiError extends AppError {
  constructor(
    readonly piCode: 4031 | 4032 | 4033 | 4304 | 4305 | 4306,
    message: string,
  ) {
    super(`privacyidea-${piCode}`, 401, message);
  }
}

/** privacyIDEA's JSON-RPC-like answer around a result. */
export const piEnvelope = <R extends Record<string, unknown>>(time: number, result: R) => ({
  jsonrpc: '2.0',
  id: 1,
  time,
  version: PI_VERSION,
  versionnumber: PI_VERSION_NUMBER,
  result,
});

export function privacyideaEnvelope(now: () => Date): Envelope {
  return (err) => {
    const wrap = (code: number, message: string) =>
      piEnvelope(now().getTime() / 1000, { status: false, error: { code, message } });
    if (err instanceof PiError) return { status: 401, body: wrap(err.piCode, err.message) };
    if (err.code === 'passkey-required') return { status: 401, body: wrap(4031, err.message) };
    if (err.code === 'second-factor-required')
      return {
        status: 401,
        body: wrap(
          4031,
          'Authentication failure. This account needs a one-time password: append the current code to the password.',
        ),
      };
    if (err.status === 401) return { status: 401, body: wrap(4031, 'Authentication failure. Wrong credentials') };
    return {
      status: err.status,
      body: wrap(err.status, err.status >= 500 && err.status !== 503 ? 'Internal error' : err.message),
    };
  };
}
