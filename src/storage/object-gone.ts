import { AppError } from '../core/errors.js';

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
