import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Issue 29 ("Operators"):
 * - `users.last_seen_at`: the last sign-in, refresh or authenticated request of any door (written at most once a
 *   minute per session, see the session registry's `seen`); `users.sign_in_count`: successful sign-ins. Both are
 *   backfilled from what was known: the last sign-in, and the sign-ins the audit log still holds.
 * - Indexes for the console's sorted user list, each ending in numeric_id (the keyset's tie-break):
 *   (created_at, numeric_id), (last_seen_at, numeric_id) with never-seen users first, (sign_in_count, numeric_id).
 *   Email needs none: its unique index is already in order.
 * - `setup_links`: the first-run setup links, by the SHA-256 of their token only, so that a link printed by one
 *   instance works on every instance of the same database; `claimed_until` marks the one being used.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema.alterTable('users').addColumn('last_seen_at', t.timestamp).execute();
  await db.schema
    .alterTable('users')
    .addColumn('sign_in_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update users set last_seen_at = last_login_at`.execute(db);
  const id = dialect === 'postgres' ? sql`users.id::text` : sql`users.id`;
  await sql`update users set sign_in_count = (select count(*) from audit_log a
      where a.subject = ${id} and a.action = 'login' and a.outcome = 'success')
    where last_login_at is not null`.execute(db);
  await db.schema
    .createIndex('users_created_numeric')
    .ifNotExists()
    .on('users')
    .columns(['created_at', 'numeric_id'])
    .execute();
  await db.schema
    .createIndex('users_sign_ins_numeric')
    .ifNotExists()
    .on('users')
    .columns(['sign_in_count', 'numeric_id'])
    .execute();
  // SQLite sorts nulls first already; PostgreSQL is told to, so that one index serves both directions.
  const seen = dialect === 'postgres' ? sql`last_seen_at asc nulls first` : sql`last_seen_at`;
  await sql`create index if not exists users_seen_numeric on users (${seen}, numeric_id)`.execute(db);
  await db.schema
    .createTable('setup_links')
    .ifNotExists()
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('claimed_until', t.timestamp)
    .execute();
}
