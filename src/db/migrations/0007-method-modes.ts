import type { Kysely } from 'kysely';

/** Modes of authentication methods set through the admin API; they override the configuration. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_method_modes')
    .addColumn('method', 'text', (c) => c.primaryKey())
    .addColumn('mode', 'text', (c) => c.notNull())
    .execute();
}
