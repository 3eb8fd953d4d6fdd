import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { StorageBackend } from './backend.js';

export interface S3Options {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

const missing = (err: unknown) => ['NoSuchKey', 'NotFound'].includes((err as { name?: string }).name ?? '');

/**
 * An S3-compatible bucket (path-style, so MinIO and friends work). An object becomes
 * visible only when its upload completes, and an aborted multipart upload is aborted,
 * so no reader ever sees a partial file.
 */
export function createS3Backend(opts: S3Options): StorageBackend {
  const client = new S3Client({
    endpoint: opts.endpoint,
    region: opts.region,
    forcePathStyle: true,
    credentials:
      opts.accessKeyId && opts.secretAccessKey
        ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
        : undefined,
    // Checksums only where S3 requires them: several S3-compatible servers store aws-chunked framing otherwise.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = opts.bucket;

  return {
    describe: `S3 bucket ${Bucket}${opts.endpoint ? ` at ${opts.endpoint}` : ''}`,

    async put(key, body) {
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: body },
        queueSize: 2,
        partSize: 8 * 1024 * 1024,
        leavePartsOnError: false,
      });
      await upload.done();
    },

    async get(key, range) {
      try {
        const res = await client.send(
          new GetObjectCommand({ Bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
        );
        return res.Body as Readable;
      } catch (err) {
        if (missing(err)) throw Object.assign(new Error(`no object ${key}`), { code: 'ENOENT' });
        throw err;
      }
    },

    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },

    async deletePrefix(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
        );
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async *listObjects(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
        );
        yield (page.Contents ?? []).map((o) => ({ key: o.Key!, modified: o.LastModified ?? new Date(0) }));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return true;
      } catch (err) {
        if (missing(err)) return false;
        throw err;
      }
    },

    /** Multipart uploads left by a crash hold parts (and cost storage) until aborted. */
    async removePartialUploads(cutoff) {
      let removed = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListMultipartUploadsCommand({
              Bucket,
              Prefix: 'objects/',
              KeyMarker: keyMarker,
              UploadIdMarker: uploadIdMarker,
            }),
          );
          for (const u of page.Uploads ?? []) {
            if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= cutoff) continue;
            await client.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }));
            removed++;
          }
          [keyMarker, uploadIdMarker] = page.IsTruncated
            ? [page.NextKeyMarker, page.NextUploadIdMarker]
            : [undefined, undefined];
        } while (keyMarker);
      } catch (err) {
        // Some S3-compatible servers cannot list multipart uploads; their lifecycle rules must abort them.
        if ((err as { name?: string }).name === 'NotImplemented') return null;
        throw err;
      }
      return removed;
    },
  };
}
