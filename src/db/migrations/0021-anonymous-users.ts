import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Issue 26 (hasura-auth): anonymous users, accounts with no credential of their own (a session only), which
 * can later be given an email and a password (`deanonymize`). Every existing user is not anonymous.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('anonymous', columnTypes(dialect).boolean, (c) => c.notNull().defaultTo(false))
    .execute();
}
