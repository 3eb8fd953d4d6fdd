import { PassThrough, pipeline, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError, errors } from '../../../core/errors.js';

const invalid = (why: string) => new AppError('invalid-multipart', 400, `The multipart body is malformed: ${why}`);

/** @fastify/multipart's and busboy's failures, as the client's fault: 413 for its limits, 400 for the rest. */
function multipartError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { statusCode?: number; message?: string };
  if (e.statusCode === 413) return errors.payloadTooLarge('The multipart body has too many parts');
  return invalid(e.message ?? 'unreadable');
}

export interface UploadBody {
  body: Readable;
  declaredType: string | undefined;
  /** Turns a failed upload into a 400 when the body itself was broken (truncated multipart…). */
  explain(err: unknown): unknown;
}

/** The bytes of an upload: the "file" part of a multipart body, or the raw body. */
export async function uploadBody(request: FastifyRequest): Promise<UploadBody> {
  if (!request.isMultipart()) return { body: request.raw, declaredType: request.headers['content-type'], explain: (err) => err };
  const part = await request.file().catch((err: unknown) => {
    throw multipartError(err);
  });
  if (!part || part.fieldname !== 'file') throw errors.validation('The multipart body needs a "file" field');
  // A body that ends inside the part makes busboy destroy the part without an error, before
  // or after we get it; either way the upload must fail rather than wait forever.
  if (part.file.destroyed && !part.file.readableEnded) throw invalid('the body ends inside the file');
  // Later, pipeline() turns such a premature close into an error the upload sees.
  let broken: unknown;
  const body = new PassThrough();
  pipeline(part.file, body, (err) => (broken = err ?? undefined));
  return { body, declaredType: part.mimetype, explain: (err) => (broken !== undefined && !(err instanceof AppError) ? multipartError(broken) : err) };
}
