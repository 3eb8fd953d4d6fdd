import { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { Background } from '../core/background.js';
import type { Config } from '../config/load.js';
import type { SecretBox } from '../core/mfa/secret-box.js';
import type { Clock, Random } from '../core/clock.js';
import { AppError, errors } from '../core/errors.js';
import { safeEqual, sha256 } from '../core/hash.js';
import type { Queries } from '../db/queries/index.js';
import type { FileRow } from '../db/queries/files.js';
import type { ByteRange, StorageBackend } from './backends/backend.js';
import { createMetadataCache } from './metadata-cache.js';
import { sweepStorage } from './sweep.js';
import { folderFiles, listingPage, type ListingPage } from './listing.js';
import { ObjectGone } from './object-gone.js';
import { zipFolder } from './zip.js';
import { smallOrStream } from './small-or-stream.js';
import type { Caller, Operation, Rules } from './rules.js';
import { reserveQuota } from './quota-reservation.js';
import { storeUpload, variantFolder, type UploadLimits } from './store-upload.js';
import { uploadRefusal } from './upload-refusal.js';
import { TRANSFORMABLE, transformImage } from './transform/image.js';
import { createLimiter } from './transform/limiter.js';
import { variantId, type Format, type Transform } from './transform/params.js';

export interface StorageCaller extends Caller {
  /** x-admin-secret or the admin role: rules do not apply. */
  admin: boolean;
}

export interface StoredFile extends FileRow {
  /** The read token, in clear: for callers who may read the file. */
  token?: string;
}

// A child that cannot exist: asking the rules about it asks about "anything in this folder".
const ANY_CHILD = '\u0000';

/**
 * Small variants are also kept in memory, per instance. A variant never changes (its name
 * covers the source's ETag and the parameters), so the copy needs no invalidation: a
 * replaced or deleted source is caught by the metadata each request reads (from the
 * metadata cache, within its bound).
 */
const MEMORY_VARIANT_MAX = 256 * 1024;
const MEMORY_VARIANTS_TOTAL = 32 * 1024 * 1024;
/** Files whose metadata an instance keeps (see metadata-cache.ts). */
const METADATA_ENTRIES = 10_000;

interface Variant {
  body: Buffer;
  etag: string;
}

/** The storage API's rules, limits and bookkeeping; bytes go to a backend, metadata to the database. */
export function createStorageService(deps: {
  queries: Queries;
  backend: StorageBackend;
  rules: Rules;
  clock: Clock;
  random: Random;
  config: Config['storage'];
  /** Seals per-file read tokens, which the metadata shows again to those who may read the file. */
  box: SecretBox;
  /** Writes variants to the backend after the answer; without it they are written before. */
  background?: Background;
}) {
  const { queries, backend, rules, clock, config } = deps;
  // Keyed by the file, its ETag and the parameters in clear: a hit computes no hash.
  const inMemory = new LRUCache<string, Variant>({
    maxSize: MEMORY_VARIANTS_TOTAL,
    maxEntrySize: MEMORY_VARIANT_MAX,
    sizeCalculation: (v) => v.body.length,
  });
  /** Variants being made: concurrent requests for the same one share a single transform. */
  const making = new Map<string, Promise<Variant>>();
  const metadata = createMetadataCache((key) => queries.files.get(key), {
    ttlMs: config.metadataCacheMs,
    max: METADATA_ENTRIES,
  });
  const transforms = createLimiter(config.image);

  /** Backend names never come from users: objects get random names, sharded by their first two characters. */
  const newObjectKey = () => {
    const id = deps.random.uuid();
    return `objects/${id.slice(0, 2)}/${id}`;
  };

  const allowed = (op: Operation, key: string, caller: StorageCaller) =>
    caller.admin || rules.decide(op, key, caller).allowed;

  /** 403 when the caller may know the file exists (they may read or list there), else 404. */
  function refusal(key: string, caller: StorageCaller): AppError {
    const mayKnow = allowed('read', key, caller) || allowed('list', key, caller);
    return mayKnow ? errors.forbidden() : errors.notFound('No such file');
  }

  function mayList(folder: string, caller: StorageCaller): void {
    if (!allowed('list', `${folder}/${ANY_CHILD}`, caller)) throw refusal(`${folder}/${ANY_CHILD}`, caller);
  }

  function newToken() {
    const token = deps.random.bytes(24).toString('base64url');
    return { token, tokenHash: sha256(token), tokenSealed: deps.box.seal(token) };
  }

  /**
   * The file with its read token opened, for a caller who may read it; no token when none is sealed (or the key
   * changed).
   */
  function revealed(file: FileRow): StoredFile {
    if (!file.tokenSealed) return file;
    try {
      return { ...file, token: deps.box.open(file.tokenSealed) };
    } catch {
      return file;
    }
  }

  async function readable(key: string, caller: StorageCaller, token?: string): Promise<FileRow> {
    const file = await metadata.get(key);
    const byToken = file && token !== undefined && safeEqual(sha256(token), file.tokenHash);
    if (!byToken && !allowed('read', key, caller)) throw refusal(key, caller);
    if (!file) throw errors.notFound('No such file');
    return file;
  }

  const store = (key: string, body: Readable, o: UploadLimits) =>
    storeUpload({ queries, backend, clock, config, newObjectKey, newToken, forget: metadata.forget }, key, body, o);

  return {
    /** Image transforms waiting for a slot (metrics). */
    transformQueueLength: () => transforms.queued(),

    /** Stores an upload; `sizeHint` (the Content-Length) is what its quota reservation first asks for. */
    async upload(
      key: string,
      body: Readable,
      declaredType: string | undefined,
      caller: StorageCaller,
      sizeHint?: number,
    ): Promise<StoredFile> {
      const existing = await queries.files.get(key);
      const op: Operation = existing ? 'update' : 'create';
      const decision = caller.admin ? { allowed: true } : rules.decide(op, key, caller);
      if (!decision.allowed) throw uploadRefusal(rules, key, caller, op, () => refusal(key, caller));
      const grant = 'grant' in decision ? decision.grant : undefined;

      let limit = Math.min(config.maxFileSize, grant?.maxSize ?? Infinity);
      let tooLarge: () => AppError = () => errors.payloadTooLarge(`The file is larger than ${limit} bytes`);
      const ownerId = existing ? existing.ownerId : (caller.userId ?? null);
      const quotaExceeded = () => errors.quotaExceeded(`The storage quota of ${config.quota} bytes would be exceeded`);
      let reservation: ReturnType<typeof reserveQuota> | undefined;
      if (ownerId && config.quota > 0 && !caller.admin) {
        // A quick first answer for an upload that cannot fit at all; the reservation below is what holds.
        const left = config.quota - (await queries.files.usage(ownerId)) + (existing?.size ?? 0);
        if (left < limit) {
          limit = Math.max(0, left);
          tooLarge = quotaExceeded;
        }
        const reserve = { ownerId, quota: config.quota, replacing: existing ? key : null, limit, hint: sizeHint };
        const uploadTimeoutMs = config.uploadTimeoutSeconds * 1000;
        reservation = reserveQuota(deps, { ...reserve, uploadTimeoutMs, refused: quotaExceeded });
      }
      try {
        return await store(key, body, { declaredType, grant, limit, tooLarge, ownerId, admit: reservation?.cover });
      } finally {
        // After the commit (the row then holds the real size) or the failure: held bytes go back.
        await reservation?.release();
      }
    },

    readable,

    /** readable() from the database, past the metadata cache: after an ObjectGone, the row as it is now. */
    async reread(key: string, caller: StorageCaller, token?: string): Promise<FileRow> {
      metadata.forget(key);
      return readable(key, caller, token);
    },

    /** HBP's metadata: a file its caller may read (readable() or list() decided that) carries its read token. */
    revealed,

    async open(file: FileRow, range?: ByteRange): Promise<Readable> {
      return backend.get(file.objectKey, range, file.size).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new ObjectGone() : err;
      });
    },

    /**
     * A transformed image: from memory, else from the variant cache when it was made before
     * (the name covers the source's ETag and the parameters), else made now; the answer does
     * not wait for the new variant to be written to the cache.
     */
    async variant(file: FileRow, t: Transform, format: Format): Promise<{ body: Readable | Buffer; etag: string }> {
      if (!TRANSFORMABLE.has(file.contentType))
        throw errors.notAnImage(`Transforms apply to PNG, JPEG, WebP and AVIF images, not ${file.contentType}`);
      const id = variantId(t, format);
      const memoryKey = `${file.key}\u0000${file.etag}\u0000${id}`;
      const held = inMemory.get(memoryKey) ?? (await making.get(memoryKey));
      if (held) return held;
      const name = sha256(`${file.etag}|${id}`);
      const key = `${variantFolder(file.key)}/${name}`;
      const etag = `"${name.slice(0, 32)}"`;
      const cached = await backend.get(key, undefined, MEMORY_VARIANT_MAX + 1).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (cached) {
        const body = await smallOrStream(cached, MEMORY_VARIANT_MAX);
        if (Buffer.isBuffer(body)) inMemory.set(memoryKey, { body, etag });
        return { body, etag };
      }
      const made = this.transform(file, t, format)
        .then((body) => ({ body, etag }))
        .finally(() => making.delete(memoryKey));
      making.set(memoryKey, made);
      const variant = await made;
      inMemory.set(memoryKey, variant);
      const write = () => backend.put(key, Readable.from([variant.body]));
      if (deps.background) deps.background.run(write);
      else await write();
      return variant;
    },

    async transform(file: FileRow, t: Transform, format: Format): Promise<Buffer> {
      return transforms
        .run(async () => transformImage(await this.open(file), t, format, config.image))
        .catch((err: Error) => {
          if (err instanceof AppError) throw err;
          if (/pixel limit/i.test(err.message))
            throw errors.imageTooLarge(`The image has more than ${config.image.maxPixels} pixels`, { cause: err });
          if (/timeout/i.test(err.message)) throw errors.transformTimeout(undefined, { cause: err });
          throw errors.invalidImage(undefined, { cause: err });
        });
    },

    /** One page of a folder's metadata (listing.ts): the files below it the caller may read. */
    async list(folder: string, caller: StorageCaller, page: { marker?: string; limit?: number }): Promise<ListingPage> {
      mayList(folder, caller);
      return listingPage(queries.files, folder, page, (f) => allowed('read', f.key, caller));
    },

    /** A zip of the files below a folder the caller may read, streamed (zip.ts); `warn` hears of trouble. */
    zip(folder: string, caller: StorageCaller, warn: (err: Error, key?: string) => void) {
      mayList(folder, caller);
      return zipFolder(folder, {
        files: folderFiles(queries.files, folder),
        readable: (f) => allowed('read', f.key, caller),
        open: (f) => this.open(f),
        reread: (key) => queries.files.get(key),
        skipped: (key) => warn(new Error('Left out of the zip: deleted while the zip was made'), key),
        warn,
      });
    },

    async remove(key: string, caller: StorageCaller): Promise<void> {
      if (!allowed('delete', key, caller)) throw refusal(key, caller);
      const objectKey = await queries.files.remove(key);
      metadata.forget(key);
      if (!objectKey) throw errors.notFound('No such file');
      await backend.delete(objectKey);
      await backend.deletePrefix(variantFolder(key));
    },

    /** Storage used, from the metadata (never a walk over the backend): totals and per top-level folder. */
    async usage(): Promise<{
      bytes: number;
      files: number;
      folders: { folder: string; bytes: number; files: number }[];
    }> {
      const folders = await queries.files.usageByFolder();
      return {
        bytes: folders.reduce((n, f) => n + f.bytes, 0),
        files: folders.reduce((n, f) => n + f.files, 0),
        folders,
      };
    },

    /**
     * Removes what crashes left behind (see sweep.ts). Object times come from the filesystem or S3, hence the wall
     * clock.
     */
    sweep: (now = new Date()) => sweepStorage({ queries, backend, config, now }),

    /** A new read token; only the owner (or an admin) may. */
    async rotateToken(key: string, caller: StorageCaller): Promise<StoredFile> {
      const file = await queries.files.get(key);
      // A missing file is a 404 (bug: answered 403 in the caller's own folder); another's file, the usual refusal.
      if (!file) throw errors.notFound('No such file');
      if (!(caller.admin || (caller.userId && file.ownerId === caller.userId))) throw refusal(key, caller);
      const fresh = newToken();
      await queries.files.setToken(key, fresh, clock.now());
      metadata.forget(key);
      return { ...(await queries.files.get(key))!, token: fresh.token };
    },
  };
}

export type StorageService = ReturnType<typeof createStorageService>;
