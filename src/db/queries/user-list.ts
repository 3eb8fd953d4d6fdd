import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DialectName } from '../dialect.js';
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
    // SQLite keeps none (no ANALYZE): it would collect every holder and sort them, a million for a common role,
    // so it walks the list in order, checking each user's roles by the primary key, and stops when the page is full.
    page = (
      dialect === 'postgres'
        ? page.where('users.id', 'in', (eb) =>
            eb.selectFrom('user_roles').select('user_roles.user_id').where('user_roles.role', '=', role),
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

/** Trigram indexes need three characters; a shorter term is matched by walking users in order. */
const indexable = (term: string) => [...term].length >= 3;

function likeAnywhere(dialect: DialectName, column: 'email' | 'username', term: string) {
  const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // PostgreSQL's default escape is the backslash; naming it keeps the pattern a plain constant for pg_trgm.
  return dialect === 'postgres'
    ? sql<boolean>`lower(users.${sql.raw(column)}) like ${pattern}`
    : sql<boolean>`lower(users.${sql.raw(column)}) like ${pattern} escape '\\'`;
}

/**
 * The rows of one page, ordered by numeric_id (unique and indexed on both databases): a keyset
 * walk, never an offset. Search uses the trigram index of each database (see migration 0018).
 */
export function userPageQuery(db: Kysely<Database>, dialect: DialectName, o: UserListOptions) {
  const base = db.selectFrom('users').selectAll('users').limit(o.limit);
  let page = filtered(o.order ? base.orderBy(orderSql(o.order)) : base.orderBy('users.numeric_id'), dialect, o);
  const after = o.order ? afterSql(o.order) : undefined;
  if (after) page = page.where(after);
  else if (o.after !== undefined) page = page.where('users.numeric_id', '>', o.after);
  const term = o.search?.toLowerCase();
  if (!term) return page;
  if (dialect === 'sqlite' && indexable(term)) {
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
  return page.where((eb) => eb.or([likeAnywhere(dialect, 'email', term), likeAnywhere(dialect, 'username', term)]));
}

export function createUserListQueries(db: Kysely<Database>, dialect: DialectName) {
  return {
    /** One page of users; roles and MFA state are read for that page's rows only. */
    async list(o: UserListOptions): Promise<UserWithRoles[]> {
      const rows = await db
        .selectFrom(userPageQuery(db, dialect, o).as('users'))
        .selectAll('users')
        .select(userExtras(dialect))
        .orderBy(o.order ? orderSql(o.order) : sql`users.numeric_id`)
        .execute();
      return rows.map(toUserWithRoles);
    },
  };
}
