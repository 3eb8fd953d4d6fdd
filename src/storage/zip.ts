import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type archiver from 'archiver';
import type { FileRow } from '../db/queries/files.js';
import { ObjectGone, withCurrentRow } from './object-gone.js';

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

/** Resolves when archiver has written the entry it was last given; rejects when the zip is closed (client gone). */
function entryWritten(zip: archiver.Archiver): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      zip.off('entry', onEntry).off('close', onClose).off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onEntry = () => done();
    const onClose = () => done(new Error('The zip was closed'));
    zip.on('entry', onEntry).on('close', onClose).on('error', done);
  });
}

/** The object of a row, or of the row's newer version when it was replaced meanwhile; undefined when deleted. */
function openCurrent(source: ZipSource, file: FileRow): Promise<Readable | undefined> {
  return withCurrentRow(file, () => source.reread(file.key), source.open).catch((err: unknown) =>
    err instanceof ObjectGone ? undefined : Promise.reject(err),
  );
}

/**
 * A zip of a folder that streams file by file: one object is open at a time, and the next file
 * is opened only once archiver has written the last one, which it does as fast as the client
 * reads (backpressure through its pipes). Memory holds one page of rows, one object's buffers
 * and the central directory (about 100 bytes per file). A file deleted between the listing and
 * its turn is left out; a read failure in the middle of an object ends the zip (the client sees
 * a truncated download, never a wrong file).
 */
export function zipFolder(folder: string, source: ZipSource): archiver.Archiver {
  // Loaded by the first zip, not by every start (a CLI call never zips).
  const zip = (createRequire(import.meta.url)('archiver') as typeof archiver)('zip', { zlib: { level: 6 } });
  zip.on('warning', source.warn);
  void (async () => {
    for await (const file of source.files) {
      if (zip.destroyed) return;
      if (!source.readable(file)) continue;
      const body = await openCurrent(source, file);
      if (!body) {
        source.skipped(file.key);
        continue;
      }
      const written = entryWritten(zip);
      zip.append(body, { name: file.key.slice(folder.length + 1), date: file.updatedAt });
      await written.catch((err: Error) => {
        body.destroy();
        throw err;
      });
    }
    await zip.finalize();
  })().catch((err: Error) => {
    if (zip.destroyed) return; // the client went away
    source.warn(err);
    zip.destroy(err);
  });
  return zip;
}
