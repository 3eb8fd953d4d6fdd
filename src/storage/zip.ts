import { PassThrough, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, deflateRaw } from 'node:zlib';
import type { FileRow } from '../db/queries/files.js';
import { ObjectGone, withCurrentRow } from './object-gone.js';
import { ZipWriter, type PreparedData } from './zip-writer.js';

export interface ZipSource {
  /** The folder's files in key order, read lazily (folderFiles): the folder is never held in memory. */
  files: AsyncIterable<FileRow>;
  /** Whether the caller may read this file (the listing's rule). */
  readable: (file: FileRow) => boolean;
  open: (file: FileRow) => Promise<Readable>;
  /** The row as the database has it now, after its object was found missing. */
  reread: (key: string) => Promise<FileRow | undefined>;
  /** Told about each file left out because it was deleted (or kept being replaced) while the zip was made. */
  skipped: (key: string) => void;
  warn: (err: Error) => void;
}

/** Objects up to this size are read whole ahead of their turn and deflated on libuv's thread pool. */
export const SMALL_OBJECT = 256 * 1024;
/** How many files are read ahead of the one being written (at most READ_AHEAD × SMALL_OBJECT bytes). */
export const READ_AHEAD = 16;

const deflate = promisify(deflateRaw);

/** A file ready for its turn: its data in memory (small), or its row, to be streamed at its turn (large). */
type Ready = { file: FileRow; data: PreparedData } | { file: FileRow; data?: undefined };

async function prepared(data: Buffer): Promise<PreparedData> {
  const crc = crc32(data);
  const deflated = await deflate(data, { level: 6 });
  // Data that does not shrink (already compressed: images, archives) is stored as it is.
  return deflated.length < data.length
    ? { method: 8, crc, size: data.length, data: deflated }
    : { method: 0, crc, size: data.length, data };
}

/** A file's current version, read whole when small; undefined when it was deleted meanwhile. */
function prepare(source: ZipSource, file: FileRow): Promise<Ready | undefined> {
  return withCurrentRow(
    file,
    () => source.reread(file.key),
    async (f): Promise<Ready> => {
      if (f.size > SMALL_OBJECT) return { file: f };
      const body = await source.open(f);
      return { file: f, data: await prepared(Buffer.concat(await body.toArray())) };
    },
  ).catch((err: unknown) => (err instanceof ObjectGone ? undefined : Promise.reject(err)));
}

/** The object of a large file at its turn (its current version); undefined when deleted meanwhile. */
function openCurrent(source: ZipSource, file: FileRow): Promise<{ file: FileRow; body: Readable } | undefined> {
  return withCurrentRow(
    file,
    () => source.reread(file.key),
    async (f) => ({ file: f, body: await source.open(f) }),
  ).catch((err: unknown) => (err instanceof ObjectGone ? undefined : Promise.reject(err)));
}

/**
 * The readable files of the folder, each prepared up to READ_AHEAD files ahead of its turn (a
 * bounded window: small objects are read and deflated concurrently while the current one is written).
 * `undefined` in place of a file left out.
 */
async function* readAhead(source: ZipSource): AsyncGenerator<[FileRow, Ready | undefined]> {
  const window: [FileRow, Promise<Ready | undefined>][] = [];
  try {
    for await (const file of source.files) {
      if (!source.readable(file)) continue;
      const ready = prepare(source, file);
      ready.catch(() => undefined); // awaited in its turn; until then, not an unhandled rejection
      window.push([file, ready]);
      if (window.length >= READ_AHEAD) {
        const [first, next] = window.shift()!;
        yield [first, await next];
      }
    }
    while (window.length) {
      const [first, next] = window.shift()!;
      yield [first, await next];
    }
  } finally {
    window.length = 0; // abandoned (client gone, error): what is in flight is dropped when it lands
  }
}

/**
 * A zip of a folder that streams file by file, as fast as the client reads (the writer waits for
 * the output to drain). Memory holds one page of rows, the read-ahead window and the central
 * directory (about 80 bytes per file, see zip-writer.ts). A file deleted between the listing and
 * its turn is left out; a read failure in the middle of an object ends the zip (the client sees a
 * truncated download, never a wrong file).
 */
export function zipFolder(folder: string, source: ZipSource): PassThrough {
  const out = new PassThrough();
  const zip = new ZipWriter(out);
  const nameOf = (file: FileRow) => ({ name: file.key.slice(folder.length + 1), date: file.updatedAt });
  void (async () => {
    for await (const [listed, ready] of readAhead(source)) {
      if (out.destroyed) return;
      if (ready?.data) {
        await zip.addPrepared(nameOf(ready.file), ready.data);
        continue;
      }
      const opened = ready && (await openCurrent(source, ready.file));
      if (!opened) {
        source.skipped(listed.key);
        continue;
      }
      if (opened.file.size <= SMALL_OBJECT) {
        // Replaced by a small version since its turn was prepared: read it whole now.
        await zip.addPrepared(nameOf(opened.file), await prepared(Buffer.concat(await opened.body.toArray())));
      } else await zip.addStream(nameOf(opened.file), opened.body, opened.file.size);
    }
    await zip.finish();
  })().catch((err: Error) => {
    if (out.destroyed) return; // the client went away
    source.warn(err);
    out.destroy(err);
  });
  return out;
}
