import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../core/errors.js';
import type { StorageBackend } from './backend.js';

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
    if (!file.startsWith(base + path.sep) || file === tmp || file.startsWith(tmp + path.sep)) throw new AppError('invalid-path', 400, 'Invalid storage path');
    return file;
  }

  const conflict = () => new AppError('path-conflict', 409, 'A file and a folder cannot share a path');

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
      const stream = createReadStream(fileOf(key), { highWaterMark: readBuffer(range ? range.end - range.start + 1 : size), ...(range ? { start: range.start, end: range.end } : {}) });
      await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
      return stream;
    },

    async delete(key) {
      await rm(fileOf(key), { force: true });
    },

    async deletePrefix(prefix) {
      await rm(fileOf(prefix), { force: true, recursive: true });
    },
  };
}
