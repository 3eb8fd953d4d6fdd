import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors } from '../../core/errors.js';
import { isDatabaseUnavailable, isUnstorableText } from '../../db/errors.js';
import type { ErrorBody } from '../schemas.js';

/** Fastify's own errors for bad input, mapped onto stable codes. Anything else is a 500. */
const FASTIFY_CODES: Record<string, (err: FastifyError) => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => errors.payloadTooLarge(),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => errors.unsupportedMediaType(),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => errors.validation('Invalid Content-Length'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => errors.validation('The JSON body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => errors.invalidJson(),
  FST_ERR_VALIDATION: (err) => errors.validation(err.message),
  FST_ERR_BAD_URL: () => new AppError('invalid-url', 400, 'The URL is not valid percent-encoded UTF-8'),
};

/** Converts anything thrown into an AppError; unknown errors become a 500 that reveals nothing. */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe?.validation) return errors.validation(fe.message);
  if (fe?.code && FASTIFY_CODES[fe.code]) return FASTIFY_CODES[fe.code]!(fe);
  if (err instanceof SyntaxError && (fe as { statusCode?: number }).statusCode === 400) return errors.invalidJson();
  if (isDatabaseUnavailable(err)) return errors.databaseUnavailable();
  if (isUnstorableText(err)) return errors.validation('The request contains a character that cannot be stored (NUL)');
  return undefined;
}

export function errorBody(err: AppError): ErrorBody {
  return { statusCode: err.status, error: STATUS_CODES[err.status] ?? 'Error', message: err.message, code: err.code };
}

export function sendAppError(reply: FastifyReply, err: AppError) {
  // The rest of a refused body is not read: the connection cannot be reused.
  if (err.status === 413 || err.status === 408) reply.header('connection', 'close');
  return reply.code(err.status).headers(err.headers).type('application/json; charset=utf-8').send(errorBody(err));
}

/** The native envelope: one error handler and one not-found handler. */
export function registerNativeErrors(app: FastifyInstance) {
  // Runs before every context's error handler, so each dialect's envelope carries Retry-After
  // (and any other header an AppError asks for) without knowing about it.
  app.addHook('onError', async (_request, reply, err) => {
    const known = toAppError(err);
    if (known && Object.keys(known.headers).length) reply.headers(known.headers);
  });
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toAppError(err);
    if (known) return sendAppError(reply, known);
    request.log.error({ err }, 'unhandled error');
    const internal = new AppError('internal-error', 500, `Internal error (request ${request.id})`);
    return sendAppError(reply, internal);
  });
  app.setNotFoundHandler((request, reply) => sendAppError(reply, errors.routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`)));
}
