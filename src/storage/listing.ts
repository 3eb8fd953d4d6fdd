import { errors } from '../core/errors.js';
import type { FileQueries, FileRow } from '../db/queries/files.js';
import { prefixUpperBound } from './key-range.js';

/**
 * The most files one listing answers, and what it answers when the caller names no limit: the
 * old (silent) cap, so that every folder an HBP client listed completely before still comes in
 * one array; a larger folder now says it goes on (see the route) instead of stopping quietly.
 */
export const MAX_PAGE = 10_000;
/** Rows a zip reads from the database at a time. */
const ZIP_PAGE = 500;

export interface ListingPage {
  /** The page's files the caller may read, in key order. */
  files: FileRow[];
  /** The last key this page covered, when more files follow: the next page's marker. */
  nextMarker?: string;
}

const badMarker = (why: string) => errors.invalidMarker(`Invalid marker: ${why}`);
const MAX_MARKER_BYTES = 1024;

/** Refuses a marker that is not a key inside the folder: a page never starts outside it. */
export function checkMarker(folder: string, marker: string): void {
  if (!marker.startsWith(`${folder}/`) || marker.length === folder.length + 1) badMarkerOf('not a key in this folder');
  if (Buffer.byteLength(marker) > MAX_MARKER_BYTES) badMarkerOf(`longer than ${MAX_MARKER_BYTES} bytes`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters (NUL above all) are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(marker)) badMarkerOf('control character');
}

function badMarkerOf(why: string): never {
  throw badMarker(why);
}

/** One keyset page of a folder (every file below it, at any depth), S3 ListObjects style. */
export async function listingPage(
  files: FileQueries,
  folder: string,
  opts: { marker?: string; limit?: number },
  readable: (file: FileRow) => boolean,
): Promise<ListingPage> {
  const limit = opts.limit ?? MAX_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw errors.invalidLimit(`The limit is a whole number from 1 to ${MAX_PAGE}`);
  if (opts.marker !== undefined) checkMarker(folder, opts.marker);
  const prefix = `${folder}/`;
  // One row more than asked says whether the folder goes on, without a count.
  const rows = await files.listRange(prefix, prefixUpperBound(prefix), opts.marker ?? null, limit + 1);
  const page = rows.slice(0, limit);
  return {
    files: page.filter(readable),
    nextMarker: rows.length > limit ? page[page.length - 1]!.key : undefined,
  };
}

/**
 * Every file of a folder, read from the database a page at a time (keyset by key): memory holds
 * one page whatever the folder's size. A file added behind the cursor is not seen, one added ahead is.
 */
export async function* folderFiles(files: FileQueries, folder: string, pageSize = ZIP_PAGE): AsyncGenerator<FileRow> {
  const prefix = `${folder}/`;
  const upper = prefixUpperBound(prefix);
  let after: string | null = null;
  for (;;) {
    const rows = await files.listRange(prefix, upper, after, pageSize);
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.key;
  }
}
