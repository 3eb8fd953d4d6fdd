import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import { SEARCH_TEXT } from '../search-text.js';

/**
 * Issue 24 ("Scale"), admin search at a million users:
 * - PostgreSQL: one trigram index `users_search_trgm` over one normalised text (`SEARCH_TEXT`: the lowercased
 *   email and username) instead of migration 0018's two (one LIKE per user instead of two, one bitmap instead
 *   of two OR-ed). Its GIN pending list is bounded as 0027 bounded theirs. Then the statistics of the new
 *   expression are gathered, for the planner's choice between this index and a walk in list order.
 * - SQLite: `users_search_walk` (numeric_id, email, username). A search that walks users in order (one or two
 *   characters, or a filter beside it) reads this narrow index alone, not the users' rows, and stops at the
 *   page's end. (On PostgreSQL the same index with INCLUDE read 33 pages instead of 83 for a common term at a
 *   million users, but the planner costs both walks alike and keeps the primary `users_numeric_id`: not built.)
 * The FTS5 table of 0018 stays. Built in the migration's transaction (writes to users wait; seconds per million
 * users).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') {
    await sql`create index if not exists users_search_walk on users (numeric_id, email, username)`.execute(db);
    return;
  }
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from pg_extension where extname = 'pg_trgm'`.execute(db);
  if (rows[0]?.n) {
    await sql`create index if not exists users_search_trgm on users using gin ((${sql.raw(SEARCH_TEXT.postgres)})
      gin_trgm_ops) with (gin_pending_list_limit = 256)`.execute(db);
    await sql`drop index if exists users_email_trgm`.execute(db);
    await sql`drop index if exists users_username_trgm`.execute(db);
  }
  await sql`analyze users`.execute(db);
}
