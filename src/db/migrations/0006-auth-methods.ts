import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/** Users allowed an authentication method that is enabled for selected users only. */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('auth_method_users')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('auth_method_users_pk', ['method', 'user_id'])
    .execute();
}
