import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Issue 28: back-channel logout per session. `oidc_store.sid` (grants only) is the provider's session id
 * (`sid`) the grant's first code was issued under: when the grant's own Gatehouse session ends (an admin
 * ends it, the user signs out of it), its client's logout token names that `sid`, not only the user.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('oidc_store').addColumn('sid', 'text').execute();
}
