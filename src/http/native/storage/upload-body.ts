import { PassThrough, pipeline, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError, errors } from '../../../core/errors.js';
import { invalidMultipart as invalid, multipartError } from '../../multipart-errors.js';

export interface UploadBody {
  body: Readable;
  declaredType: string | undefined;
  /** Turns a failed upload into a 400 when the body itself was broken (truncated multipart…). */
  explain(err: unknown): unknown;
}

/** The bytes of an upload: the "file" part of a multipart body, or the raw body. */
export async function uploadBody(request: FastifyRequest): Promise<UploadBody> {
  if (!request.isMultipart())
    return { body: request.raw, declaredType: request.headers['content-type'], explain: (err) => err };
  const part = await request.file().catch((err: unknown) => {
    throw multipartError(err);
  });
  if (part?.fieldname !== 'file') throw errors.validation('The multipart body needs a "file" field');
  // A body that ends inside the part makes busboy destroy the part without an error, before
  // or after we get it; either way the upload must fail rather than wait forever.
  if (part.file.destroyed && !part.file.readableEnded) throw invalid('the body ends inside the file');
  // Later, pipeline() turns such a premature close into an error the upload sees.
  let broken: unknown;
  const body = new PassThrough();
  pipeline(part.file, body, (err) => (broken = err ?? undefined));
  return {
    body,
    declaredType: part.mimetype,
    explain: (err) => (broken !== undefined && !(err instanceof AppError) ? multipartError(broken) : err),
  };
}
