import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DialectName } from '../dialect.js';
import { LIST_KEY, SEARCH_SEPARATOR, SEARCH_TEXT, SHORT_TERM, startOf } from '../search-text.js';
import type { Database } from '../types.js';
import { afterSql, orderSql, type UserOrder } from './user-order.js';
import { toUserWithRoles, userExtras, type UserWithRoles } from './users.js';

export interface UserListOptions {
  /** Rows to read (the caller asks one more than a page to learn whether another follows). */
  limit: number;
  /** Users after this numeric id (the previous page's last), in creation order. */
  after?: number;
  /** Another order, and where its page starts (instead of `after`). */
  order?: UserOrder;
  /** A substring of the email or the username, without regard to case. */
  search?: string;
  /** Only users of this realm. */
  realm?: string;
  /** Only users holding this role. */
  role?: string;
  /**
   * SQLite: the role has few holders (`RARE_ROLE` or fewer; `list` counts them first), so the page collects them
   * from `user_roles_role` instead of walking the list and checking every user.
   */
  fewHolders?: boolean;
  /** Only users in this state (as the console shows it), at `now`. */
  state?: { is: UserState; now: Date };
}

/** A user's state, first that applies: disabled, banned (a ban still running), inactive, active. */
export const USER_STATES = ['active', 'inactive', 'disabled', 'banned'] as const;
export type UserState = (typeof USER_STATES)[number];

/**
 * The filters beside the keyset. Realm walks `users_realm_numeric` (realm, numeric_id); a role is looked up
 * in `user_roles_role` (role, user_id) or probed per user, as the planner judges; the rare states
 * (disabled, banned, inactive) walk their partial indexes of numeric ids (migration 0027).
 */
function filtered<Q extends SelectQueryBuilder<Database, 'users', object>>(
  q: Q,
  dialect: DialectName,
  o: UserListOptions,
): Q {
  // Booleans as the partial indexes name them (`disabled`, `not active` / `= 1`, `= 0`), so that the
  // planners see the index's predicate in the query.
  const is = (column: 'disabled' | 'active', value: boolean) =>
    dialect === 'postgres'
      ? sql<boolean>`${value ? sql`` : sql`not `}users.${sql.raw(column)}`
      : sql<boolean>`users.${sql.raw(column)} = ${sql.raw(value ? '1' : '0')}`;
  let page = q;
  if (o.realm !== undefined) page = page.where('users.realm', '=', o.realm) as Q;
  if (o.role !== undefined) {
    const role = o.role;
    // PostgreSQL chooses by its statistics between the role's holders (user_roles_role) and a walk in list order.
    // SQLite keeps none (no ANALYZE): `list` counts the holders up to RARE_ROLE; few are collected by the index
    // (numeric ids in order), many would be a million to collect and sort, so the list is walked in order,
    // each user's roles checked by the primary key, until the page is full.
    const holders = (eb: ExpressionBuilder<Database, 'users'>) =>
      eb.selectFrom('user_roles').select('user_roles.user_id').where('user_roles.role', '=', role);
    page = (
      dialect === 'postgres'
        ? page.where('users.id', 'in', holders)
        : o.fewHolders
          ? page.where('users.numeric_id', 'in', (eb) =>
              eb
                .selectFrom('user_roles')
                .innerJoin('users as holder', 'holder.id', 'user_roles.user_id')
                .select('holder.numeric_id')
                .where('user_roles.role', '=', role),
            )
          : page.where((eb) =>
              eb.exists(
                eb
                  .selectFrom('user_roles')
                  .select(sql<number>`1`.as('one'))
                  .whereRef('user_roles.user_id', '=', 'users.id')
                  .where('user_roles.role', '=', role),
              ),
            )
    ) as Q;
  }
  if (o.state) {
    const { is: state, now } = o.state;
    page = page.where((eb) => {
      const banned = eb.and([eb('users.banned_until', 'is not', null), eb('users.banned_until', '>', now)]);
      const notBanned = eb.or([eb('users.banned_until', 'is', null), eb('users.banned_until', '<=', now)]);
      if (state === 'disabled') return is('disabled', true);
      if (state === 'banned') return eb.and([is('disabled', false), banned]);
      if (state === 'inactive') return eb.and([is('disabled', false), notBanned, is('active', false)]);
      return eb.and([is('disabled', false), notBanned, is('active', true)]);
    }) as Q;
  }
  return page;
}

const hasFilter = (o: UserListOptions) => o.realm !== undefined || o.role !== undefined || o.state !== undefined;

/** `SEARCH_TEXT` holds the term anywhere; `_` and `%` are matched literally. */
function holds(term: string) {
  const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // PostgreSQL's default escape is the backslash.
  return sql<boolean>`(${sql.raw(SEARCH_TEXT.postgres)}) like ${pattern}`;
}

/**
 * A term shorter than SHORT_TERM: users whose email or username starts with it, by migration 0032's indexes
 * `(substr(lower(column), 1, length), numeric_id)`, where the matches of a term of that length lie in list order.
 * In list order without a filter, each index gives its first `limit` matches after the cursor: a page reads at most
 * two pages of index entries, whatever the size of the table or the number of matches. On PostgreSQL a range on the
 * leading expression (`>=`, `<=` the term, the cursor as a row value) orders by both columns, which only these
 * indexes give: its planner may not trade them for a walk of `users_numeric_id` that its statistics judge cheaper
 * (it reads every user before the first match when the matches cluster, as sequential names do). SQLite has no
 * statistics and reads the index named by the equality (its planner uses a row value's bound less readily).
 * With a filter or another order, PostgreSQL chooses by its statistics between these indexes and a walk in the
 * page's order; SQLite collects the matches after the cursor from them, then filters and orders.
 */
function startsWith(dialect: DialectName, term: string, length: number, o: UserListOptions) {
  const starts = (column: 'email' | 'username') => sql.raw(startOf(column, length));
  const walk = !hasFilter(o) && !o.order;
  if (dialect === 'postgres' && !walk)
    return sql<boolean>`(${starts('email')} = ${term} or ${starts('username')} = ${term})`;
  const after = o.order ? 0 : (o.after ?? 0);
  const [email, username] = (['email', 'username'] as const).map((column) =>
    !walk || dialect === 'sqlite'
      ? sql`select numeric_id from users where ${starts(column)} = ${term} and numeric_id > ${after}${
          walk ? sql` order by numeric_id limit ${o.limit}` : sql``
        }`
      : sql`select numeric_id from users where (${starts(column)}, numeric_id) > (${term}, ${after})
          and ${starts(column)} <= ${term} order by ${starts(column)}, numeric_id limit ${o.limit}`,
  );
  return sql<boolean>`users.numeric_id in (select numeric_id from (${email}) as by_email
    union select numeric_id from (${username}) as by_username)`;
}

/**
 * The rows of one page, ordered by numeric_id (unique and indexed on both databases): a keyset
 * walk, never an offset. A search of SHORT_TERM characters or more uses the trigram index of each database
 * (migrations 0018, 0031); a shorter one matches the start of the email or username (migration 0032).
 */
export function userPageQuery(db: Kysely<Database>, dialect: DialectName, o: UserListOptions) {
  const base = db.selectFrom('users').selectAll('users').limit(o.limit);
  let page = filtered(o.order ? base.orderBy(orderSql(o.order)) : base.orderBy('users.numeric_id'), dialect, o);
  const after = o.order ? afterSql(o.order) : undefined;
  if (after) page = page.where(after);
  else if (o.after !== undefined) page = page.where('users.numeric_id', '>', o.after);
  const term = o.search?.toLowerCase();
  if (!term) return page;
  // No email or username holds the separator or a NUL (which ends SQLite's FTS5 phrase early: a 500 before).
  if (term.includes(SEARCH_SEPARATOR) || term.includes('\0')) return page.where(sql<boolean>`1 = 0`);
  const length = [...term].length;
  if (length < SHORT_TERM) return page.where(startsWith(dialect, term, length, o));
  if (dialect === 'sqlite') {
    const phrase = `"${term.replace(/"/g, '""')}"`;
    // In another order than the rowid's, the matches are all read and the outer query orders them.
    const from = o.order ? Number.MIN_SAFE_INTEGER : (o.after ?? Number.MIN_SAFE_INTEGER);
    // With a filter beside it, a match may not make the page: the outer limit alone bounds the page.
    const limit = hasFilter(o) || o.order ? sql`` : sql`limit ${o.limit}`;
    return page.where(
      'users.numeric_id',
      'in',
      sql<number>`(select rowid from users_search where users_search match ${phrase} and rowid > ${from}
        order by rowid ${limit})`,
    );
  }
  // With a filter or another order beside it, a walk in numeric_id order would not yield this page's rows.
  if (hasFilter(o) || o.order) return page.where(holds(term));
  // The page's ids first, then their rows: PostgreSQL walks users_search_covering in list order, index only (the
  // order is spelled as LIST_KEY, which only that index delivers), or collects a rare term's matches from
  // users_search_trgm and sorts them, as its statistics judge.
  const key = sql.raw(LIST_KEY);
  const from = o.after === undefined ? sql`` : sql` and ${key} > ${o.after}`;
  return page.where(
    'users.numeric_id',
    'in',
    sql<number>`(select numeric_id from users where ${holds(term)}${from} order by ${key} limit ${o.limit})`,
  );
}

/** On SQLite, a role held by at most this many users is read from its holders (see `filtered`). */
export const RARE_ROLE = 2000;

export function createUserListQueries(db: Kysely<Database>, dialect: DialectName) {
  /** How many users hold the role, counted up to RARE_ROLE + 1 (a bounded read of user_roles_role). */
  const holdersOf = async (role: string) => {
    const bounded = db
      .selectFrom('user_roles')
      .select('user_id')
      .where('role', '=', role)
      .limit(RARE_ROLE + 1)
      .as('holders');
    const row = await db
      .selectFrom(bounded)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  return {
    /** One page of users; roles and MFA state are read for that page's rows only. */
    async list(o: UserListOptions): Promise<UserWithRoles[]> {
      const options =
        dialect === 'sqlite' && o.role !== undefined ? { ...o, fewHolders: (await holdersOf(o.role)) <= RARE_ROLE } : o;
      const rows = await db
        .selectFrom(userPageQuery(db, dialect, options).as('users'))
        .selectAll('users')
        .select(userExtras(dialect))
        .orderBy(o.order ? orderSql(o.order) : sql`users.numeric_id`)
        .execute();
      return rows.map(toUserWithRoles);
    },
  };
}
