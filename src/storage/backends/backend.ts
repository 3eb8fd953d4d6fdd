import type { Readable } from 'node:stream';

export interface ByteRange {
  start: number;
  /** Inclusive, as in HTTP. */
  end: number;
}

export interface StoredObject {
  key: string;
  /** When the object was written (its upload began, for S3 multipart uploads). */
  modified: Date;
}

/** Where file bytes live. Keys are validated storage keys (see paths.ts); metadata lives in the database. */
export interface StorageBackend {
  /** Streams `body` into a temporary object and makes it visible at `key` only once complete. */
  put(key: string, body: Readable): Promise<void>;
  /**
   * Rejects with `code: 'ENOENT'` when there is no such object. `size`, when known, is the
   * object's size: it lets a backend size its read buffers to the object.
   */
  get(key: string, range?: ByteRange, size?: number): Promise<Readable>;
  delete(key: string): Promise<void>;
  /** Deletes everything below `prefix/` (cached variants of a file). */
  deletePrefix(prefix: string): Promise<void>;
  /** Every object below `prefix/`, a page at a time, in no particular order. */
  listObjects(prefix: string): AsyncIterable<StoredObject[]>;
  exists(key: string): Promise<boolean>;
  /**
   * Removes partial uploads (left by a crash) begun before `cutoff`; returns how many,
   * or null when the backend cannot list them (then the bucket's own lifecycle rule must).
   */
  removePartialUploads(cutoff: Date): Promise<number | null>;
  describe: string;
}
