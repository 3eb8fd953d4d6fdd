import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Passkeys (WebAuthn credentials) with their signature counter and backup flags; the challenges of
 * ceremonies in flight (stored as hashes, single-use, expiring); and app passwords, the per-door
 * secrets that password-only doors accept in place of the password.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('webauthn_credentials')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('credential_id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text')
    .addColumn('device_type', 'text', (c) => c.notNull().defaultTo('singleDevice'))
    .addColumn('backed_up', t.boolean, (c) => c.notNull().defaultTo(false))
    .addColumn('nickname', 'text')
    .addColumn('aaguid', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp)
    .execute();
  await db.schema
    .createIndex('webauthn_credentials_user')
    .on('webauthn_credentials')
    .columns(['user_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', t.uuid, (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text')
    .addColumn('user_verification', t.boolean, (c) => c.notNull())
    .addColumn('data', t.json)
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webauthn_challenges_expiry').on('webauthn_challenges').column('expires_at').execute();

  await db.schema
    .createTable('app_passwords')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('door', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp)
    .addColumn('revoked_at', t.timestamp)
    .execute();
  await db.schema.createIndex('app_passwords_user').on('app_passwords').columns(['user_id', 'door']).execute();
}
