import { sql, type RawBuilder } from 'kysely';

/** The orders of the admin user list besides creation order (numeric id). */
export const USER_SORTS = ['email', 'created', 'last_seen', 'sign_ins'] as const;
export type UserSort = (typeof USER_SORTS)[number];

/** A sort and where the page starts: after the row with this sort value (null: never seen) and numeric id. */
export interface UserOrder {
  by: UserSort;
  desc: boolean;
  after?: { value: string | number | Date | null; numericId: number };
}

const COLUMN: Record<UserSort, string> = {
  email: 'email',
  created: 'created_at',
  last_seen: 'last_seen_at',
  sign_ins: 'sign_in_count',
};

/**
 * `order by` for a sort: the column, then numeric_id (the tie-break; email is unique and needs none). Never-seen
 * users count as the least recently seen: first ascending, last descending, as the index of migration 0029 holds
 * them on both databases.
 */
export function orderSql(o: UserOrder, table = 'users'): RawBuilder<unknown> {
  const dir = sql.raw(o.desc ? 'desc' : 'asc');
  const column = sql.ref(`${table}.${COLUMN[o.by]}`);
  if (o.by === 'email') return sql`${column} ${dir}`;
  const nulls = o.by === 'last_seen' ? sql.raw(o.desc ? ' nulls last' : ' nulls first') : sql``;
  return sql`${column} ${dir}${nulls}, ${sql.ref(`${table}.numeric_id`)} ${dir}`;
}

/** The keyset condition: rows after `o.after` in the order of `orderSql`, as row-value comparisons. */
export function afterSql(o: UserOrder): RawBuilder<boolean> | undefined {
  if (!o.after) return undefined;
  const { value, numericId } = o.after;
  const column = sql.ref(`users.${COLUMN[o.by]}`);
  const cmp = sql.raw(o.desc ? '<' : '>');
  if (o.by === 'email') return sql<boolean>`${column} ${cmp} ${value}`;
  if (value === null) {
    // Only last_seen has nulls: ascending, the rest of the never-seen, then everyone seen; descending, the rest.
    const rest = sql<boolean>`(${column} is null and users.numeric_id ${cmp} ${numericId})`;
    return o.desc ? rest : sql<boolean>`(${rest} or ${column} is not null)`;
  }
  const past = sql<boolean>`(${column}, users.numeric_id) ${cmp} (${value}, ${numericId})`;
  return o.by === 'last_seen' && o.desc ? sql<boolean>`(${past} or ${column} is null)` : past;
}
