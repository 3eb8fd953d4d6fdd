import { errors } from './errors.js';

/**
 * Opaque page cursors: base64url of the JSON array of the last row's sort key. Clients pass back
 * `next_cursor` as it came; anything else that does not decode to the expected key is a 400.
 */
export function encodeCursor(key: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]{1,400}$/;

export function decode(cursor: string): unknown {
  if (!BASE64URL.test(cursor)) throw errors.validation('Invalid cursor');
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw errors.validation('Invalid cursor');
  }
}

/** The numeric key of a cursor made by encodeCursor([n]). */
export function decodeNumberCursor(cursor: string): number {
  const key = decode(cursor);
  if (!Array.isArray(key) || key.length !== 1 || !Number.isSafeInteger(key[0]))
    throw errors.validation('Invalid cursor');
  return key[0] as number;
}

/** The (instant, id) key of a cursor made by encodeCursor([iso, id]). */
export function decodeTimeIdCursor(cursor: string): { at: Date; id: string } {
  const key = decode(cursor);
  if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string')
    throw errors.validation('Invalid cursor');
  const at = new Date(key[0]);
  if (Number.isNaN(at.getTime()) || key[1].length > 64) throw errors.validation('Invalid cursor');
  return { at, id: key[1] };
}

/** The page size asked for, bounded: `fallback` when absent, 1 to `max`. */
export function pageLimit(limit: string | number | undefined, fallback: number, max: number): number {
  const n = limit === undefined ? fallback : Number(limit);
  return Math.min(Math.max(Number.isFinite(n) ? Math.trunc(n) : fallback, 1), max);
}

/** One page of a keyset-paged list. */
export interface Page<T> {
  items: T[];
  /** null on the last page. */
  nextCursor: string | null;
}

/** Cuts `rows` (read with limit + 1) to a page, the cursor made from the last row kept. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => readonly (string | number | null)[]): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}
