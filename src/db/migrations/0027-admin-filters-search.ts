import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Issue 24 ("Scale"), the admin user list's filters, on both databases:
 * - `users_realm_numeric` (realm, numeric_id): a realm's users in list order. It replaces `users_realm`
 *   (realm) of migration 0005, which it covers (the realms foreign key's lookups included);
 * - `user_roles_role` (role, user_id): the holders of a role (the primary key starts with user_id);
 * - partial indexes of numeric ids for the rare states: `users_disabled`, `users_inactive` (not active),
 *   `users_banned` (a ban set, running or not). Small: they hold only those users. The common state
 *   (active) walks the list in order and stops when the page is full.
 *
 * And admin search on PostgreSQL: the trigram GIN indexes of migration 0018 get a small pending list
 * (`gin_pending_list_limit = 256` kB instead of the server's 4 MB). With GIN's fast update, new entries
 * wait in that list until it is full (or a vacuum runs), and every search reads it whole: measured at a
 * million users grown by inserts, a search for a term no user has read 745 pages (14 ms) instead of 8
 * (0.03 ms). 256 kB bounds that read to 32 pages, while inserts still go in batches (turning fast
 * update off made a 20,000-user insert 7 times slower). The list left by earlier inserts is merged now.
 *
 * Built in the migration's transaction: writes to users wait while they are built (seconds per
 * million users on PostgreSQL); on PostgreSQL they can be made beforehand with `create index
 * concurrently if not exists` under the same names (see docs/scale.md).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createIndex('users_realm_numeric')
    .ifNotExists()
    .on('users')
    .columns(['realm', 'numeric_id'])
    .execute();
  await db.schema.dropIndex('users_realm').ifExists().execute();
  await db.schema.createIndex('user_roles_role').ifNotExists().on('user_roles').columns(['role', 'user_id']).execute();
  // As the list's query writes them (user-list.ts), so that each planner sees the predicate it implies.
  const flag = (column: string, value: boolean) =>
    dialect === 'postgres' ? sql.raw(`${value ? '' : 'not '}${column}`) : sql.raw(`${column} = ${value ? 1 : 0}`);
  const partial = [
    ['users_disabled', flag('disabled', true)],
    ['users_inactive', flag('active', false)],
    ['users_banned', sql`banned_until is not null`],
  ] as const;
  for (const [name, where] of partial)
    await sql`create index if not exists ${sql.raw(name)} on users (numeric_id) where ${where}`.execute(db);
  if (dialect !== 'postgres') return;
  for (const index of ['users_email_trgm', 'users_username_trgm']) {
    const { rows } = await sql<{ present: boolean }>`select to_regclass(${index}) is not null as present`.execute(db);
    if (!rows[0]?.present) continue; // pg_trgm unavailable: search is unindexed (see migration 0018)
    await sql`alter index ${sql.raw(index)} set (gin_pending_list_limit = 256)`.execute(db);
    await sql`select gin_clean_pending_list(${index}::regclass)`.execute(db);
  }
}
