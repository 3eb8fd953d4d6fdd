import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';

/** Query parameters whose values are credentials and must never reach a log line (names as the router decodes them). */
// id_token_hint and user_code: the identity provider's logout and device pages (issue 28).
const SECRET_NAME =
  /^(?:access[-_]token|refresh_token|token|ticket|code|password|jwt|connect|id_token_hint|user_code|client_secret)$/i;

/** A parameter name as the query parser reads it; undefined when it cannot be decoded (then it is redacted too). */
function decodedName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Whether a `name=value` pair may carry a credential: its decoded name is a secret one, or does not decode. */
function isSecretPair(pair: string): boolean {
  const eq = pair.indexOf('=');
  if (eq < 0) return false;
  const name = decodedName(pair.slice(0, eq));
  return name === undefined || SECRET_NAME.test(name);
}

/**
 * The URL with the value of every credential-carrying query parameter replaced. Names are compared after
 * percent-decoding, as the router decodes them: `?refresh%5Ftoken=` and `?%74oken=` are credentials too.
 */
export function redactUrl(url: string): string {
  // Most URLs carry no query at all: skip the parsing for them.
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const pairs = url.slice(q + 1, end).split('&');
  const redacted = pairs.map((pair) =>
    isSecretPair(pair) ? `${pair.slice(0, pair.indexOf('=') + 1)}[REDACTED]` : pair,
  );
  return `${url.slice(0, q + 1)}${redacted.join('&')}${url.slice(end)}`;
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
export function lineBatcher(
  dest: { write(chunk: string): unknown },
  opts: { chunkChars?: number; everyMs?: number } = {},
) {
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
