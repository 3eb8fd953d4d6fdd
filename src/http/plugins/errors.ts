import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors } from '../../core/errors.js';
import { isDatabaseUnavailable, isUnstorableText } from '../../db/errors.js';
import type { ErrorBody } from '../schemas.js';

/** Fastify's own errors for bad input, mapped onto stable codes. Anything else is a 500. */
const FASTIFY_CODES: Record<string, (err: FastifyError, request?: FastifyRequest) => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => errors.payloadTooLarge(),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_err, request) => errors.unsupportedMediaType(unsupportedTypeMessage(request)),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => errors.validation('Invalid Content-Length'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => errors.validation('The JSON body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => errors.invalidJson(),
  FST_ERR_VALIDATION: (err) => errors.validation(validationMessage(err)),
  FST_ERR_BAD_URL: () => errors.invalidUrl(),
};

/**
 * What a schema refusal says: Ajv reports every branch of a union (`body must be null, body must
 * match a schema in anyOf`…), so only the errors at the deepest path are kept, without the union's
 * own summary: the field that is wrong and how (`body/password must be string`).
 */
export function validationMessage(err: Pick<FastifyError, 'message' | 'validation' | 'validationContext'>): string {
  const found = (err.validation ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  if (found.length === 0) return err.message;
  const depth = (path: string) => (path === '' ? 0 : path.split('/').length);
  const deepest = Math.max(...found.map((e) => depth(e.instancePath)));
  const messages = found
    .filter((e) => depth(e.instancePath) === deepest)
    .map((e) => `${err.validationContext ?? 'body'}${e.instancePath} ${e.message}`);
  return [...new Set(messages)].join(', ');
}

/** Body types a route may accept, in the order a message lists them. */
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/** What a 415 says: the type sent and the ones this route's scope parses (bug: it named neither). */
function unsupportedTypeMessage(request: FastifyRequest | undefined): string | undefined {
  if (!request) return undefined;
  const sent = request.headers['content-type']?.split(';')[0]?.trim() || 'none';
  const accepted = BODY_TYPES.filter((t) => request.server.hasContentTypeParser(t));
  return `Unsupported Content-Type ${sent}: send ${accepted.join(' or ') || 'no body'}`;
}

/**
 * Converts anything thrown into an AppError; unknown errors become a 500 that reveals nothing. With the
 * request, messages may say what would have worked (the accepted content types).
 */
export function toAppError(err: unknown, request?: FastifyRequest): AppError | undefined {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe?.validation) return errors.validation(validationMessage(fe));
  if (fe?.code && FASTIFY_CODES[fe.code]) return FASTIFY_CODES[fe.code]!(fe, request);
  if (err instanceof SyntaxError && (fe as { statusCode?: number }).statusCode === 400) return errors.invalidJson();
  if (isDatabaseUnavailable(err)) return errors.databaseUnavailable();
  if (isUnstorableText(err)) return errors.validation('The request contains a character that cannot be stored (NUL)');
  return fromStaticFiles(err);
}

/**
 * @fastify/send's refusals of a file path (swagger-ui's own copy of @fastify/static throws them instead of answering):
 * a malformed path or one with NUL (`/docs/static/%00` was a 500), a dot file, no such file.
 */
function fromStaticFiles(err: unknown): AppError | undefined {
  const { status, expose } = (err ?? {}) as { status?: unknown; expose?: unknown };
  if (expose !== true) return undefined;
  if (status === 400) return errors.invalidUrl();
  if (status === 403) return errors.forbidden();
  if (status === 404) return errors.notFound();
  return undefined;
}

/** What an envelope answers for an error: its own status, headers and body. */
export interface Rendered {
  status: number;
  body: unknown;
  headers?: Record<string, string | number>;
}

/** Maps a known error onto a dialect's wire shape: each dialect has exactly one. */
export type Envelope = (err: AppError, request: FastifyRequest) => Rendered;

export function errorBody(err: AppError): ErrorBody {
  return { statusCode: err.status, error: STATUS_CODES[err.status] ?? 'Error', message: err.message, code: err.code };
}

/** The native (HBP) envelope: `{statusCode, error, message, code}` with the error's own status. */
export const nativeEnvelope: Envelope = (err) => ({
  status: err.status,
  body: errorBody(err),
  headers: { 'content-type': 'application/json; charset=utf-8' },
});

/** Sends an error as `envelope` renders it: the one place an AppError becomes an answer. */
export function sendError(reply: FastifyReply, request: FastifyRequest, envelope: Envelope, err: AppError) {
  const out = envelope(err, request);
  // The rest of a refused body is not read: the connection cannot be reused.
  if (err.status === 413 || err.status === 408) reply.header('connection', 'close');
  return reply
    .code(out.status)
    .headers({ ...err.headers, ...out.headers })
    .send(out.body);
}

/** An error handler rendering through `envelope`; anything unexpected is logged and answers a 500. */
export function envelopeErrorHandler(envelope: Envelope) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    let known = toAppError(err, request);
    if (!known) {
      request.log.error({ err }, 'unhandled error');
      known = errors.internal(`Internal error (request ${request.id})`, { cause: err });
    }
    return sendError(reply, request, envelope, known);
  };
}

/** The native envelope: one error handler and one not-found handler. */
export function registerNativeErrors(app: FastifyInstance) {
  // Runs before every context's error handler, so each dialect's envelope carries Retry-After
  // (and any other header an AppError asks for) without knowing about it.
  app.addHook('onError', async (_request, reply, err) => {
    const known = toAppError(err);
    if (known && Object.keys(known.headers).length) reply.headers(known.headers);
  });
  app.setErrorHandler(envelopeErrorHandler(nativeEnvelope));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      nativeEnvelope,
      errors.routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
