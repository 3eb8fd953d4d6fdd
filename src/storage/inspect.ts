import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type AppError, errors } from '../core/errors.js';
import { contentTypeOf, SNIFF_BYTES } from './content-type.js';

export interface Inspection {
  size: number;
  etag: string;
  contentType: string;
}

/**
 * A pass-through that looks at an upload on its way to the backend: it holds the first
 * bytes back until the content type is known (and allowed), counts bytes and fails with
 * 413 the moment the limit is crossed, and computes the ETag, without ever holding the
 * whole file.
 */
export function inspectUpload(opts: {
  limit: number;
  declaredType?: string;
  allowType?: (type: string) => boolean;
  tooLarge: () => AppError;
  /** Awaited with the bytes counted so far before a chunk goes on (the quota reservation); may throw. */
  admit?: (size: number) => Promise<void>;
}) {
  const md5 = createHash('md5');
  let size = 0;
  let head: Buffer[] | undefined = [];
  let headBytes = 0;
  let contentType: string | undefined;

  async function release(stream: Transform) {
    const buffered = Buffer.concat(head!);
    head = undefined;
    contentType = await contentTypeOf(buffered, opts.declaredType);
    if (opts.allowType && !opts.allowType(contentType))
      throw errors.unsupportedMediaType(`Files of type ${contentType} are not accepted here`);
    if (buffered.length) stream.push(buffered);
  }

  function pass(stream: Transform, chunk: Buffer, done: TransformCallback) {
    md5.update(chunk);
    if (!head) return done(null, chunk);
    head.push(chunk);
    headBytes += chunk.length;
    if (headBytes < SNIFF_BYTES) return done();
    release(stream).then(() => done(), done);
  }

  const stream = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      if (size > opts.limit) return done(opts.tooLarge());
      if (!opts.admit) return pass(this, chunk, done);
      opts.admit(size).then(() => pass(this, chunk, done), done);
    },
    flush(done: TransformCallback) {
      if (!head) return done();
      release(this).then(() => done(), done);
    },
  });

  // The error reaches the caller through the backend's write; a late second report must not crash the process.
  stream.on('error', () => undefined);

  return {
    stream,
    result: (): Inspection => ({
      size,
      etag: `"${md5.digest('hex')}"`,
      contentType: contentType ?? 'application/octet-stream',
    }),
  };
}
