import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errors } from '../../core/errors.js';
import type { StorageBackend, StoredObject } from './backend.js';

const PAGE = 1000;

/** Names in a folder; none when it does not exist (yet). */
const namesIn = (dir: string) =>
  readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? [] : Promise.reject(err),
  );

const KiB = 1024;

/**
 * Large objects are read 1 MiB at a time: fewer, larger writes to the socket (64 KiB reads
 * halve download throughput). A small object gets a buffer of its own size: a 1 MiB buffer
 * for a 200-byte variant costs an allocation per request and, as external memory, drives
 * back-to-back full garbage collections under load.
 */
function readBuffer(size: number | undefined): number {
  if (size === undefined) return 64 * KiB;
  return Math.min(1024 * KiB, Math.max(KiB, size));
}

/** Files under one root folder; uploads land in root/.tmp and are renamed into place (atomic on one filesystem). */
export function createDiskBackend(root: string): StorageBackend {
  const base = path.resolve(root);
  const tmp = path.join(base, '.tmp');

  /** Defence in depth: keys are validated already, but no key may ever leave the root. */
  function fileOf(key: string): string {
    const file = path.resolve(base, ...key.split('/'));
    if (!file.startsWith(base + path.sep) || file === tmp || file.startsWith(tmp + path.sep))
      throw errors.invalidPath();
    return file;
  }

  const conflict = () => errors.pathConflict();

  return {
    describe: `disk ${base}`,

    async put(key, body) {
      const file = fileOf(key);
      await mkdir(tmp, { recursive: true });
      const temp = path.join(tmp, randomUUID());
      try {
        await pipeline(body, createWriteStream(temp, { mode: 0o600 }));
        await mkdir(path.dirname(file), { recursive: true }).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' || err.code === 'ENOTDIR' ? conflict() : err;
        });
        await rename(temp, file).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EISDIR' || err.code === 'ENOTDIR' || err.code === 'ENOTEMPTY' ? conflict() : err;
        });
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        throw err;
      }
    },

    async get(key, range, size) {
      const stream = createReadStream(fileOf(key), {
        highWaterMark: readBuffer(range ? range.end - range.start + 1 : size),
        ...(range ? { start: range.start, end: range.end } : {}),
      });
      await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
      return stream;
    },

    async delete(key) {
      await rm(fileOf(key), { force: true });
    },

    async deletePrefix(prefix) {
      await rm(fileOf(prefix), { force: true, recursive: true });
    },

    async *listObjects(prefix) {
      const page: StoredObject[] = [];
      // Depth-first, one folder at a time: memory stays one page plus one folder listing.
      async function* walk(dir: string, keyPrefix: string): AsyncGenerator<StoredObject[]> {
        for (const entry of await namesIn(dir)) {
          const file = path.join(dir, entry.name);
          if (entry.isDirectory()) yield* walk(file, `${keyPrefix}/${entry.name}`);
          else if (entry.isFile()) {
            const info = await stat(file).catch(() => undefined); // deleted meanwhile
            if (info) page.push({ key: `${keyPrefix}/${entry.name}`, modified: info.mtime });
            if (page.length >= PAGE) yield page.splice(0);
          }
        }
      }
      yield* walk(fileOf(prefix), prefix);
      if (page.length) yield page;
    },

    async exists(key) {
      return stat(fileOf(key)).then(
        (info) => info.isFile(),
        () => false,
      );
    },

    /**
     * A temporary file is only written to while its upload runs: one not written since the cutoff is left by a crash.
     */
    async removePartialUploads(cutoff) {
      let removed = 0;
      for (const entry of await namesIn(tmp)) {
        const file = path.join(tmp, entry.name);
        const info = await stat(file).catch(() => undefined);
        if (info && info.mtime < cutoff) {
          await rm(file, { force: true, recursive: true });
          removed++;
        }
      }
      return removed;
    },
  };
}
