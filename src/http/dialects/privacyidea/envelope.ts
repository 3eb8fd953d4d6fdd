import type { FastifyRequest } from 'fastify';
import { AppError, errors } from '../../../core/errors.js';
import { type Envelope, isUnknownPath } from '../manifest.js';

/** privacyIDEA's numbered authentication errors. */
export class PiError extends AppError {
  constructor(
    readonly piCode: 4031 | 4032 | 4033 | 4304 | 4305 | 4306,
    message: string,
  ) {
    super(`privacyidea-${piCode}`, 401, message);
  }
}

/** What every privacyIDEA answer reports of the server: `version` "privacyIDEA <v>" and `versionnumber` "<v>". */
export interface PiServer {
  now: () => Date;
  version: string;
}

/** privacyIDEA's JSON-RPC-like answer around a result. */
export const piEnvelope = <R extends Record<string, unknown>>(server: PiServer, result: R) => ({
  jsonrpc: '2.0',
  id: 1,
  time: server.now().getTime() / 1000,
  version: `privacyIDEA ${server.version}`,
  versionnumber: server.version,
  result,
});

/** What a call of privacyIDEA's API that Gatehouse does not serve is told (the web UIs show it in a banner). */
export const notServed = (request: FastifyRequest) =>
  `Not available here: this server provides privacyIDEA's authentication (/auth) only, not ` +
  `${request.method} ${request.url.split('?')[0]}`;

export function privacyideaEnvelope(server: PiServer): Envelope {
  return (err, request) => {
    const wrap = (code: number, message: string) => piEnvelope(server, { status: false, error: { code, message } });
    // The web UIs show this message in their error banner: say what is missing rather than "no route".
    if (isUnknownPath(request)) return { status: 404, body: wrap(404, notServed(request)) };
    if (err instanceof PiError) return { status: 401, body: wrap(err.piCode, err.message) };
    if (errors.passkeyRequired.is(err)) return { status: 401, body: wrap(4031, err.message) };
    if (errors.secondFactorRequired.is(err))
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
