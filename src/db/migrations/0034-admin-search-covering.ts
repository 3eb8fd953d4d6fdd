import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import { LIST_KEY, SEARCH_COVERING, SEARCH_TEXT } from '../search-text.js';

/**
 * Issue 24 ("Scale"), admin search of three characters or more that many users contain, at a million users.
 * PostgreSQL served it by walking `users_numeric_id` in list order, reading each user's row and computing its
 * search text (`SEARCH_TEXT`: two lower() and a concatenation) until the page was full: 4,239 rows for `u42`'s 51
 * matches. `users_search_covering` holds, in list order, each user's search text already computed, so the walk is
 * an index-only scan that reads neither the rows nor calls lower(). Its leading key is `LIST_KEY` (`numeric_id + 0`),
 * the list order spelled so that only this index delivers it: the planner costs a walk of this wider index above one
 * of `users_numeric_id` and would keep that one (tried in 0031). `numeric_id`, `email` and `username` are included
 * because PostgreSQL plans an index-only scan only when every column the query names is in the index.
 * SQLite: nothing. Its search of three characters or more reads the FTS5 index (migration 0018) in rowid order and
 * never walks the users.
 * Built in the migration's transaction (writes to users wait; seconds per million users); it can be made beforehand
 * with `create index concurrently if not exists` under the same name (see docs/scale.md).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`create index if not exists ${sql.raw(SEARCH_COVERING)} on users ((${sql.raw(LIST_KEY)}),
    (${sql.raw(SEARCH_TEXT.postgres)})) include (numeric_id, email, username)`.execute(db);
  // The statistics of `numeric_id + 0`, for the planner's estimate of the matches after a cursor.
  await sql`analyze users`.execute(db);
}
