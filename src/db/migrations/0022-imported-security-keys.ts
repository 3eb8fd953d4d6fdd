import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * WebAuthn credentials brought over by `gatehouse import hasura-auth` (`auth.user_security_keys`), kept as the
 * source had them until passkeys sign-in takes them over: the credential id and COSE public key (base64url),
 * the signature counter, transports and nickname. Nothing signs in with them yet.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('imported_security_keys')
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text')
    .addColumn('nickname', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('imported_security_keys_user').on('imported_security_keys').column('user_id').execute();
}
