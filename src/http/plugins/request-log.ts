import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';

/** Query parameters whose values are credentials and must never reach a log line. */
const SECRET_PARAMS = /([?&](?:access[-_]token|refresh_token|token|ticket|code|password|jwt)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  // Most URLs carry no query at all: skip the regular expression for them.
  return url.includes('?') ? url.replace(SECRET_PARAMS, '$1[REDACTED]') : url;
}

/**
 * One line per request (LOG_REQUESTS), written when the response is done. Only method,
 * redacted URL, status, time, request id and client address are logged: never headers,
 * cookies or bodies. Since no field can hold a secret once the URL is redacted, the line
 * goes through `logger`, a pino instance without redact paths: the application logger's
 * wildcard paths would otherwise walk every request line (a tenth of a bare request's cost).
 */
export function registerRequestLog(app: FastifyInstance, logger: Logger) {
  if (!logger.isLevelEnabled('info')) return;
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    logger.info(
      {
        reqId: request.id,
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
      },
      'request',
    );
    done();
  });
}

/**
 * The request lines of one turn of the event loop, handed to `dest` as one string at the end of
 * that turn. Under load a turn answers many requests; writing each line on its own made the
 * destination re-measure its growing buffer every time (a twentieth of a small answer).
 */
export function lineBatcher(dest: { write(chunk: string): unknown }) {
  let lines: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0) return;
    const chunk = lines.join('');
    lines = [];
    dest.write(chunk);
  };
  return {
    write(line: string) {
      lines.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    /** Writes what is waiting now (on close). */
    flush,
  };
}
