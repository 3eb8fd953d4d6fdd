import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Issue 28: Gatehouse as an OpenID Connect provider.
 * - `oidc_clients`: the relying parties managed through the admin API and the CLI. The secret is kept as
 *   its SHA-256 only (shown once when made or rotated); redirect URIs, grants and roles are JSON lists.
 * - `oidc_store`: what oidc-provider persists (codes, tokens, grants, interactions, its browser sessions).
 *   The key is the SHA-256 of `<model>:<id>`, so a stolen row names no token; the payload (which holds the
 *   id again) is sealed with a key derived from COOKIE_SECRET. `grant_id` ends every token of a grant at
 *   once; `account_id` and `client_id` (grants only) name whom a back-channel logout goes to; `uid_hash` and
 *   `user_code_hash` find a session by uid and a device code by its user code.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('oidc_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('auth_method', 'text', (c) => c.notNull())
    .addColumn('redirect_uris', t.json, (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', t.json, (c) => c.notNull())
    .addColumn('grant_types', t.json, (c) => c.notNull())
    .addColumn('allowed_roles', t.json, (c) => c.notNull())
    .addColumn('trusted', t.boolean, (c) => c.notNull())
    .addColumn('backchannel_logout_uri', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('oidc_store')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('uid_hash', 'text')
    .addColumn('user_code_hash', 'text')
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('consumed_at', t.timestamp)
    .execute();
  await db.schema.createIndex('oidc_store_grant').on('oidc_store').columns(['grant_id']).execute();
  await db.schema.createIndex('oidc_store_account').on('oidc_store').columns(['account_id', 'model']).execute();
  await db.schema.createIndex('oidc_store_uid').on('oidc_store').columns(['uid_hash']).execute();
  await db.schema.createIndex('oidc_store_user_code').on('oidc_store').columns(['user_code_hash']).execute();
  await db.schema.createIndex('oidc_store_expires_at').on('oidc_store').columns(['expires_at']).execute();
}
