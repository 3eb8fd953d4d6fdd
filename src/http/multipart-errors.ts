import { AppError, errors } from '../core/errors.js';

export const invalidMultipart = (why: string) => errors.invalidMultipart(`The multipart body is malformed: ${why}`);

/**
 * @fastify/multipart's and busboy's failures, as the client's fault: 413 for its limits, 400 for the rest (no boundary,
 * truncated…).
 */
export function multipartError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { statusCode?: number; message?: string };
  if (e.statusCode === 413) return errors.payloadTooLarge('The multipart body has too many parts');
  return invalidMultipart(e.message ?? 'unreadable');
}
