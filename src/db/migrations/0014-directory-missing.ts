import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * The periodic directory check remembers when it found a linked entry gone (or no longer matching
 * user_filter): the user's sessions end and the event is audited once, not at every run. A login
 * that finds the entry again, or a check that does, clears it.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema.alterTable('user_identities').addColumn('missing_since', columnTypes(dialect).timestamp).execute();
}
