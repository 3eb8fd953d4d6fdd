import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Query parameters whose values are credentials and must never reach a log line. */
const SECRET_PARAMS = /([?&](?:access[-_]token|refresh_token|token|ticket|code|password|jwt)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[REDACTED]');
}

/**
 * One line per request, written when the response is done. Only method, redacted URL,
 * status, time and client address are logged: never headers, cookies or bodies.
 */
export function registerRequestLog(app: FastifyInstance) {
  app.addHook('onResponse', async (request: FastifyRequest, reply) => {
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
      },
      'request',
    );
  });
}
