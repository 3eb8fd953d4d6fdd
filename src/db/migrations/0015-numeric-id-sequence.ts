import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * HumHub's integer user ids must never come back: a client that still holds the id of a deleted
 * user would otherwise name whoever registers next. SQLite numbered new users `max + 1`, so deleting
 * the newest user freed its id; it now takes them from a one-row counter that only grows. PostgreSQL
 * already draws them from the bigserial's sequence, which is moved past the highest id in use.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect === 'postgres') {
    // Past both the highest id in use and the highest ever drawn (that user may be deleted since).
    await sql`
      select setval(q.s, greatest(
        coalesce((select max(numeric_id) from users), 0),
        coalesce(pg_sequence_last_value(q.s::regclass), 0)
      ) + 1, false)
      from (select pg_get_serial_sequence('users', 'numeric_id') as s) q`.execute(db);
    return;
  }
  await db.schema
    .createTable('numeric_id_sequence')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('last', 'integer', (c) => c.notNull())
    .execute();
  await sql`insert into numeric_id_sequence (id, last) select 1, coalesce(max(numeric_id), 0) from users`.execute(db);
  // In the inserting statement itself, so no path that writes a user (an import with its own ids too) is missed.
  await sql`
    create trigger users_numeric_id_sequence after insert on users
    begin
      update numeric_id_sequence set last = max(last, new.numeric_id) where id = 1;
    end`.execute(db);
}
