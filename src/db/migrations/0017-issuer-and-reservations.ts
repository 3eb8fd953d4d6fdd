import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Issue 22 ("Trust"), revocation:
 * - `api_tokens.issuer_id`: the admin who issued an impersonation token. The token lives only while
 *   its issuer may sign in and is still an admin (checked when it is resolved); deleting the issuer
 *   deletes it.
 * - `storage_reservations`: bytes an upload in flight holds against its owner's quota, taken in the
 *   database before they are written, so concurrent uploads (on any instance) cannot together exceed
 *   it. A reservation outlives no upload: it is released when the file is committed or the upload
 *   fails, and one left by a crash stops counting at `expires_at`.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .alterTable('api_tokens')
    .addColumn('issuer_id', t.uuid, (c) => c.references('users.id').onDelete('cascade'))
    .execute();
  await db.schema
    .createTable('storage_reservations')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('storage_reservations_user')
    .on('storage_reservations')
    .columns(['user_id', 'expires_at'])
    .execute();
}
