import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Issue 28: ending a browser's sign-on ends what was signed in through it. `oidc_store.sso_session_id` links a
 * provider session (model `Session`) to the Gatehouse single sign-on session (door `sso`) of the browser that saved
 * it, and each grant named in that provider session's authorizations to the same sign-on session: when the sign-on
 * session ends alone (the user signs out, an admin ends it), its provider sessions end and each of their clients gets
 * its logout token with its `sid`. Provider sessions now keep their user in `account_id` too (logout-all ends them).
 * `oidc_store_client` finds a client's grants when an admin deletes it.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('oidc_store').addColumn('sso_session_id', 'text').execute();
  await db.schema.createIndex('oidc_store_sso_session').on('oidc_store').columns(['sso_session_id']).execute();
  await db.schema.createIndex('oidc_store_client').on('oidc_store').columns(['client_id', 'model']).execute();
}
