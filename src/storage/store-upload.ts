import type { Readable } from 'node:stream';
import type { Config } from '../config/load.js';
import type { Clock } from '../core/clock.js';
import { type AppError, errors } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { isForeignKeyViolation } from '../db/dialect.js';
import type { Queries } from '../db/queries/index.js';
import type { FileRow } from '../db/queries/files.js';
import type { StorageBackend } from './backends/backend.js';
import { inspectUpload } from './inspect.js';
import type { Grant } from './rules.js';

/** Cached variants of a file, under a name derived from its key. */
export const variantFolder = (key: string) => `variants/${sha256(key)}`;

/** What the rules, STORAGE_MAX_FILE_SIZE and the quota decided for one upload. */
export interface UploadLimits {
  declaredType?: string;
  grant?: Grant;
  limit: number;
  tooLarge: () => AppError;
  ownerId: string | null;
  /** Awaited before each chunk is written (the quota reservation); may refuse it. */
  admit?: (size: number) => Promise<void>;
}

export interface StoreDeps {
  queries: Queries;
  backend: StorageBackend;
  clock: Clock;
  config: Config['storage'];
  newObjectKey: () => string;
  newToken: () => { token: string; tokenHash: string; tokenSealed: string };
  /** Drops the key from this instance's metadata cache. */
  forget: (key: string) => void;
}

/** Streams an upload to a new object and points the file's row at it (the rules and limits are decided). */
export async function storeUpload(
  deps: StoreDeps,
  key: string,
  body: Readable,
  o: UploadLimits,
): Promise<FileRow & { token: string }> {
  const { declaredType, grant, limit, tooLarge, ownerId } = o;
  const types = grant?.contentTypes;
  const inspection = inspectUpload({
    limit,
    declaredType,
    tooLarge,
    admit: o.admit,
    allowType: types && ((t) => types.some((p) => p === t || (p.endsWith('/*') && t.startsWith(p.slice(0, -1))))),
  });
  // A client that aborts mid-upload fails the write, which removes the temporary object.
  // The body is not destroyed on a refusal: the 413 must still reach the client.
  const abort = (err?: unknown) => inspection.stream.destroy(err instanceof Error ? err : new Error('upload aborted'));
  body.once('error', abort).once('aborted', abort);
  body.pipe(inspection.stream);
  // Each upload writes its own object under a random name; the metadata row then switches
  // to it in one transaction, so readers see the old version or the new, never a mix.
  const objectKey = deps.newObjectKey();
  // No upload outlives STORAGE_UPLOAD_TIMEOUT: the storage sweep relies on it to tell a
  // partial upload left by a crash from one still running.
  const timer = setTimeout(() => {
    const message = `The upload took longer than ${deps.config.uploadTimeoutSeconds} s`;
    inspection.stream.destroy(errors.uploadTimeout(message));
  }, deps.config.uploadTimeoutSeconds * 1000);
  try {
    await deps.backend.put(objectKey, inspection.stream);
  } finally {
    clearTimeout(timer);
    body.unpipe(inspection.stream);
    body.off('error', abort).off('aborted', abort);
  }
  const { size, etag, contentType } = inspection.result();
  const { token, tokenHash, tokenSealed } = deps.newToken();
  const { file, replaced } = await deps.queries.files
    .publish({ key, objectKey, size, etag, contentType, ownerId, tokenHash, tokenSealed, now: deps.clock.now() })
    .catch(async (err) => {
      await deps.backend.delete(objectKey);
      // The owner was deleted while their access token is still unexpired.
      if (isForeignKeyViolation(err)) throw errors.unauthenticated('The account no longer exists');
      throw err;
    });
  deps.forget(key);
  if (replaced) {
    await deps.backend.delete(replaced);
    await deps.backend.deletePrefix(variantFolder(key));
  }
  return { ...file, token };
}
