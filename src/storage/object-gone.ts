import { AppError } from '../core/errors.js';
import type { FileRow } from '../db/queries/files.js';

/**
 * A file row whose object is missing from the backend. With several instances, a row from the
 * metadata cache can point at an object another instance replaced and removed: the caller reads
 * the row again (`reread`) before answering, and only a file truly gone is a 404.
 */
export class ObjectGone extends AppError {
  constructor() {
    super('not-found', 404, 'The file is gone');
  }
}

/** How many times a row is read again while its object keeps vanishing (replaced again meanwhile). */
const REREADS = 3;

/**
 * Runs `use` on a file row; when the row's object is gone, runs it again on the row as the database has it
 * now, as long as that row names another object. A row still naming the missing object, or no row at all,
 * is a file truly gone: the ObjectGone goes to the caller. Downloads, transforms and zips all go through it.
 */
export async function withCurrentRow<T>(
  first: FileRow,
  reread: () => Promise<FileRow | undefined>,
  use: (file: FileRow) => Promise<T>,
): Promise<T> {
  let file = first;
  for (let attempt = 0; ; attempt++) {
    try {
      return await use(file);
    } catch (err) {
      if (!(err instanceof ObjectGone) || attempt === REREADS) throw err;
      const fresh = await reread();
      if (!fresh || fresh.objectKey === file.objectKey) throw err;
      file = fresh;
    }
  }
}
