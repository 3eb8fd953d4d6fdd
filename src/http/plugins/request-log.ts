import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';

/** Query parameters whose values are credentials and must never reach a log line. */
const SECRET_PARAMS = /([?&](?:access[-_]token|refresh_token|token|ticket|code|password|jwt|connect)=)[^&#]*/gi;

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
 * Request lines gathered into chunks of about `chunkChars` characters, each handed to `dest` as
 * one write; what is waiting goes out at least every `everyMs` and on `close()`. Handing each
 * line to the destination on its own made it re-measure its growing buffer every time, and small
 * writes each cost a trip through libuv's thread pool: a tenth of a small answer in all.
 */
export function lineBatcher(dest: { write(chunk: string): unknown }, opts: { chunkChars?: number; everyMs?: number } = {}) {
  const chunkChars = opts.chunkChars ?? 16_000;
  let lines: string[] = [];
  let size = 0;
  const flush = () => {
    if (lines.length === 0) return;
    const chunk = lines.join('');
    lines = [];
    size = 0;
    dest.write(chunk);
  };
  const timer = setInterval(flush, opts.everyMs ?? 200);
  timer.unref();
  return {
    write(line: string) {
      lines.push(line);
      size += line.length;
      if (size >= chunkChars) flush();
    },
    /** Writes what is waiting and stops the timer (on close). */
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
