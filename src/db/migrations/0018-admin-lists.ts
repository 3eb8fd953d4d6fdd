import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Issue 24 ("Scale"), admin lists:
 * - users are paged by `numeric_id` (already a unique index on both databases);
 * - a user's sessions and bearer tokens are paged by (created_at, id) within the user;
 * - admin search (a substring of the email or the username, without regard to case) is indexed:
 *   PostgreSQL by `pg_trgm` GIN indexes on lower(email) and lower(username), SQLite by an FTS5 table
 *   with the trigram tokenizer, rowid = numeric_id, kept in step with `users` by triggers.
 * Where `pg_trgm` cannot be created (a role without the right), the search still works, unindexed;
 * docs/notes/admin-lists.md says what to run once the extension is there.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createIndex('sessions_user_created')
    .on('sessions')
    .columns(['user_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('api_tokens_user_kind_created')
    .on('api_tokens')
    .columns(['user_id', 'kind', 'created_at', 'id'])
    .execute();
  if (dialect === 'postgres') {
    // A PL/pgSQL exception block runs in a subtransaction: a refusal does not abort the migration.
    await sql`do $$ begin
        create extension if not exists pg_trgm;
      exception when others then
        raise notice 'pg_trgm unavailable (%): admin search stays unindexed', sqlerrm;
      end $$`.execute(db);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_extension where extname = 'pg_trgm'`.execute(db);
    if (rows[0]?.n) {
      await sql`create index users_email_trgm on users using gin (lower(email) gin_trgm_ops)`.execute(db);
      await sql`create index users_username_trgm on users using gin (lower(username) gin_trgm_ops)`.execute(db);
    }
    return;
  }
  await sql`create virtual table users_search using fts5(
      email, username, content='users', content_rowid='numeric_id', tokenize='trigram'
    )`.execute(db);
  await sql`insert into users_search(users_search) values ('rebuild')`.execute(db);
  await sql`create trigger users_search_insert after insert on users begin
      insert into users_search(rowid, email, username) values (new.numeric_id, new.email, new.username);
    end`.execute(db);
  await sql`create trigger users_search_delete after delete on users begin
      insert into users_search(users_search, rowid, email, username)
        values ('delete', old.numeric_id, old.email, old.username);
    end`.execute(db);
  await sql`create trigger users_search_update after update on users
    when old.email is not new.email or old.username is not new.username or old.numeric_id is not new.numeric_id
    begin
      insert into users_search(users_search, rowid, email, username)
        values ('delete', old.numeric_id, old.email, old.username);
      insert into users_search(rowid, email, username) values (new.numeric_id, new.email, new.username);
    end`.execute(db);
}
