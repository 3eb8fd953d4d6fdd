import { LRUCache } from 'lru-cache';
import { lazy } from '../core/lazy.js';
import type { FileRow } from '../db/queries/files.js';

/**
 * What an instance read of files, trusted for `ttlMs` (STORAGE_METADATA_CACHE_MS): a cached
 * download or variant is then served with no database query. A change made on this instance
 * is forgotten at once; one made on another instance holds here within `ttlMs`. Unknown keys
 * are not remembered, so a new file is visible everywhere at once.
 */
export function createMetadataCache(
  read: (key: string) => Promise<FileRow | undefined>,
  opts: { ttlMs: number; max: number },
) {
  const cache =
    opts.ttlMs > 0 ? lazy(() => new LRUCache<string, FileRow>({ max: opts.max, ttl: opts.ttlMs })) : undefined;
  // Bumped by every forget: a read that was in flight meanwhile may be older than the change, so it is not kept.
  let changes = 0;
  return {
    async get(key: string): Promise<FileRow | undefined> {
      const hit = cache?.peek()?.get(key);
      if (hit) return hit;
      const seen = changes;
      const file = await read(key);
      if (file && seen === changes) cache?.().set(key, file);
      return file;
    },

    /** After a write, a delete or a token rotation of `key` on this instance. */
    forget(key: string): void {
      changes++;
      cache?.peek()?.delete(key);
    },
  };
}
