import { USER_SORTS, type UserOrder, type UserSort } from '../../db/queries/user-order.js';
import { decode, decodeNumberCursor } from '../cursor.js';
import { errors } from '../errors.js';
import type { UserWithRoles as User } from '../../db/queries/users.js';

export { USER_SORTS, type UserSort };

/** A sorted page's cursor key: the sort, its direction, the last row's value and numeric id. */
export function sortedCursorKey(by: UserSort, desc: boolean, u: User): (string | number | null)[] {
  const value =
    by === 'email'
      ? u.email
      : by === 'created'
        ? u.createdAt.toISOString()
        : by === 'last_seen'
          ? (u.lastSeenAt?.toISOString() ?? null)
          : u.signInCount;
  return [by, desc ? 'desc' : 'asc', value, u.numericId];
}

const isInstant = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 40 && !Number.isNaN(new Date(v).getTime());

/** The value of a cursor's key for its sort, or undefined when it is not one (a forged or another sort's cursor). */
function keyValue(by: UserSort, v: unknown): string | number | Date | null | undefined {
  if (by === 'email') return typeof v === 'string' && v.length <= 254 ? v : undefined;
  if (by === 'sign_ins') return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined;
  if (by === 'last_seen' && v === null) return null;
  return isInstant(v) ? new Date(v) : undefined;
}

/**
 * Where a page of the user list starts. In creation order (no sort) the cursor is the last numeric id; in another
 * order it carries the sort too, and a cursor made for another sort or direction is refused (400), not misread.
 */
export function userListStart(
  sort: { by: UserSort; desc: boolean } | undefined,
  cursor: string | undefined,
): { after?: number; order?: UserOrder } {
  if (!sort) return { after: cursor === undefined ? undefined : decodeNumberCursor(cursor) };
  if (cursor === undefined) return { order: { ...sort } };
  const key = decode(cursor);
  const dir = sort.desc ? 'desc' : 'asc';
  if (!Array.isArray(key) || key.length !== 4 || key[0] !== sort.by || key[1] !== dir)
    throw errors.validation('Invalid cursor: it was made for another order; start again without it');
  const value = keyValue(sort.by, key[2]);
  if (value === undefined || !Number.isSafeInteger(key[3])) throw errors.validation('Invalid cursor');
  return { order: { ...sort, after: { value, numericId: key[3] as number } } };
}

export function isUserSort(v: string): v is UserSort {
  return (USER_SORTS as readonly string[]).includes(v);
}
