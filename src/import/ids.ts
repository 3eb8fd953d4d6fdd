import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string) => UUID.test(value);

/**
 * A stable UUID (version 5 layout, SHA-1) for a foreign id that is not one, such as a Rocket.Chat `_id`, or
 * for a row an import derives (a session per imported token): the same input gives the same id on every
 * run, so a second run finds what the first wrote.
 */
export function derivedUuid(namespace: string, value: string): string {
  const b = createHash('sha1').update(`gatehouse-import:${namespace}:${value}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The source's UUID as is (lower case), or one derived from its id. */
export const userIdFrom = (source: string, id: string) =>
  isUuid(id) ? id.toLowerCase() : derivedUuid(`user:${source}`, id);
