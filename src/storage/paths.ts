import { errors } from '../core/errors.js';

const MAX_KEY_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;

const badPath = (why: string) => errors.invalidPath(`Invalid storage path: ${why}`);

/**
 * Turns the raw (still percent-encoded) path after /storage/o/ into a storage key, or
 * refuses it. A key is 1..n segments of printable UTF-8 separated by single slashes:
 * never `.`/`..`, empty segments, NUL or control characters, backslashes, or anything
 * that looks absolute (`/x`, `C:`), so that no backend ever resolves it outside its root.
 * A trailing slash (a folder) is returned as `dir: true` and not part of the key.
 */
export function parseStoragePath(raw: string): { key: string; dir: boolean } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw badPath('not valid percent-encoded UTF-8');
  }
  if (decoded.includes('\uFFFD')) throw badPath('not valid UTF-8');
  const dir = decoded.endsWith('/');
  const key = dir ? decoded.slice(0, -1) : decoded;
  if (key.length === 0) throw badPath('empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw badPath(`longer than ${MAX_KEY_BYTES} bytes`);
  if (key.startsWith('/')) throw badPath('absolute');
  if (/^[A-Za-z]:/.test(key)) throw badPath('drive letter');
  if (key.includes('\\')) throw badPath('backslash');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
  if (/[\u0000-\u001f\u007f]/.test(key)) throw badPath('control character');
  for (const segment of key.split('/')) {
    if (segment === '') throw badPath('empty segment');
    if (segment === '.' || segment === '..') throw badPath('dot segment');
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      throw badPath(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  // Internal objects (temporary uploads, image variants) live under such first segments.
  if (key.startsWith('.')) throw badPath('a first segment starting with "." is reserved');
  return { key, dir };
}
