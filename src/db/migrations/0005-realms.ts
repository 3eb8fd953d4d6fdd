import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/** Realms: every user belongs to one; the realm "default" always exists. */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('realms')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  const now = dialect === 'postgres' ? sql`now()` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  await sql`insert into realms (name, created_at) values ('default', ${now})`.execute(db);
  await db.schema
    .alterTable('users')
    .addColumn('realm', 'text', (c) => c.notNull().defaultTo('default').references('realms.name'))
    .execute();
  await db.schema.createIndex('users_realm').on('users').column('realm').execute();
}
