import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * When the session's holder last proved a secret (signing in, or re-authenticating): what
 * sensitive operations check. Sessions opened before this column count as never proven.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('proven_at', columnTypes(dialect).timestamp).execute();
}
