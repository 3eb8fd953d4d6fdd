import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import { START_INDEXES, startOf } from '../search-text.js';

/**
 * Issue 24 ("Scale"), admin search for a term of one or two characters. No trigram index can narrow such a term,
 * so a term that no one has read every user (2.2 s at a million users on PostgreSQL). Such a term now matches the
 * start of the email or of the username, and four indexes serve it on both databases:
 * `users_<email|username>_start<1|2>` on `(substr(lower(column), 1, length), numeric_id)`. For a term of that
 * length the index holds its matches in list order, so a page reads at most a page's worth of entries from each
 * of the two (a keyset walk, whatever the size of the table or the number of matches).
 * SQLite's `users_search_walk` (migration 0031), which only that walk of every user read, is dropped.
 * Built in the migration's transaction (writes to users wait; seconds per million users). On PostgreSQL they can be
 * made beforehand with `create index concurrently if not exists` under the same names (see docs/scale.md).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  for (const { name, column, length } of START_INDEXES) {
    const leading = sql.raw(startOf(column, length));
    await sql`create index if not exists ${sql.raw(name)} on users ((${leading}), numeric_id)`.execute(db);
  }
  if (dialect === 'postgres') await sql`analyze users`.execute(db);
  else await sql`drop index if exists users_search_walk`.execute(db);
}
