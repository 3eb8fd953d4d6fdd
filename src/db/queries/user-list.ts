import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { Database } from '../types.js';
import { toUserWithRoles, userExtras, type UserWithRoles } from './users.js';

export interface UserListOptions {
  /** Rows to read (the caller asks one more than a page to learn whether another follows). */
  limit: number;
  /** Users after this numeric id (the previous page's last). */
  after?: number;
  /** A substring of the email or the username, without regard to case. */
  search?: string;
}

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
  let page = db.selectFrom('users').selectAll('users').orderBy('users.numeric_id').limit(o.limit);
  if (o.after !== undefined) page = page.where('users.numeric_id', '>', o.after);
  const term = o.search?.toLowerCase();
  if (!term) return page;
  if (dialect === 'sqlite' && indexable(term)) {
    const phrase = `"${term.replace(/"/g, '""')}"`;
    const after = o.after ?? Number.MIN_SAFE_INTEGER;
    return page.where(
      'users.numeric_id',
      'in',
      sql<number>`(select rowid from users_search where users_search match ${phrase} and rowid > ${after}
        order by rowid limit ${o.limit})`,
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
        .orderBy('users.numeric_id')
        .execute();
      return rows.map(toUserWithRoles);
    },
  };
}
