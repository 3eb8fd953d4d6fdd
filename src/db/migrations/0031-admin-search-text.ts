import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import { SEARCH_TEXT } from '../search-text.js';

/**
 * Issue 24 ("Scale"), admin search at a million users, on both databases:
 * - `users_search_walk`: the list order (numeric_id) with the searched columns beside it (PostgreSQL: INCLUDE,
 *   SQLite: trailing key columns). A search that walks users in order (a term very many users contain, or one
 *   of one or two characters) reads this narrow index alone, not the users' rows, and stops at the page's end;
 * - PostgreSQL: one trigram index `users_search_trgm` over one normalised text (`SEARCH_TEXT`: the lowercased
 *   email and username) instead of migration 0018's two (one LIKE per user instead of two, one bitmap instead
 *   of two OR-ed). Its GIN pending list is bounded as 0027 bounded theirs.
 * SQLite's FTS5 table (0018) stays. Built in the migration's transaction (writes to users wait; seconds per
 * million users); then the statistics of the new expression are gathered, for the planner's choice of plan.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') {
    await sql`create index if not exists users_search_walk on users (numeric_id, email, username)`.execute(db);
    return;
  }
  await sql`create index if not exists users_search_walk on users (numeric_id) include (email, username)`.execute(db);
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
