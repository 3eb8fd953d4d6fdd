import type { Readable } from 'node:stream';

export interface ByteRange {
  start: number;
  /** Inclusive, as in HTTP. */
  end: number;
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
  describe: string;
}
