import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * One session registry for every dialect, the audit log, and the identity fields the
 * compatibility clients assume: a username, a stable numeric id, and a ban date.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  const pg = dialect === 'postgres';

  // Every credential any dialect issues belongs to one of these rows: revoking the row ends it.
  await db.schema
    .createTable('sessions')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('door', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('revoked_at', t.timestamp)
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  // Existing refresh-token families and Rocket.Chat/impersonation tokens become sessions.
  await sql`insert into sessions (id, user_id, door, created_at, expires_at, revoked_at, ip, user_agent)
    select family_id, user_id, 'hbp', min(created_at), max(expires_at),
           case when count(*) = count(revoked_at) then max(revoked_at) end, null, null
      from refresh_tokens group by family_id, user_id`.execute(db);
  await db.schema.alterTable('api_tokens').addColumn('session_id', t.uuid).execute();
  const farFuture = pg ? sql`'9999-12-31T00:00:00Z'::timestamptz` : sql`'9999-12-31T00:00:00.000Z'`;
  await sql`insert into sessions (id, user_id, door, created_at, expires_at, revoked_at, ip, user_agent)
    select id, user_id, kind, created_at, coalesce(expires_at, ${farFuture}), revoked_at, null, null
      from api_tokens where kind in ('rocketchat', 'impersonation')`.execute(db);
  await sql`update api_tokens set session_id = id where kind in ('rocketchat', 'impersonation')`.execute(db);

  await db.schema
    .createTable('audit_log')
    .addColumn('id', t.serial, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('door', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('detail', t.json)
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'at']).execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'at']).execute();

  // A stable integer id for dialects whose ids are integers (HumHub): a sequence on PostgreSQL,
  // max + 1 inside SQLite's single-writer insert.
  await db.schema
    .alterTable('users')
    .addColumn('numeric_id', pg ? 'bigserial' : 'integer')
    .execute();
  if (!pg) await sql`update users set numeric_id = rowid`.execute(db);
  await db.schema.createIndex('users_numeric_id').unique().on('users').column('numeric_id').execute();

  // Optional login name, unique without regard to case; existing users get user<numeric id>.
  await db.schema.alterTable('users').addColumn('username', 'text').execute();
  await sql`update users set username = 'user' || numeric_id`.execute(db);
  await sql`create unique index users_username on users (lower(username))`.execute(db);

  await db.schema.alterTable('users').addColumn('banned_until', t.timestamp).execute();
  await db.schema.alterTable('users').addColumn('ban_reason', 'text').execute();
}
