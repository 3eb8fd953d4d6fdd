import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Federation: LDAP directories behind realms, and the identities that link a local user to
 * a directory entry (`ldap:<realm>`) or to an OAuth / OpenID Connect account (`github`, `oidc`…).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('directories')
    .addColumn('realm', 'text', (c) => c.primaryKey().references('realms.name').onDelete('cascade'))
    // Everything an operator configures, as one JSON document; the bind password is sealed (AES-GCM).
    .addColumn('settings', t.json, (c) => c.notNull())
    .addColumn('bind_password', 'text')
    .addColumn('is_default', t.boolean, (c) => c.notNull().defaultTo(dialect === 'postgres' ? false : 0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();

  // One row per outside account: (provider, subject) names it, user_id is the local user it signs in.
  await db.schema
    .createTable('user_identities')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', t.uuid, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text')
    // For directory entries: the login name the periodic check searches for.
    .addColumn('login', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp)
    .addPrimaryKeyConstraint('user_identities_pk', ['provider', 'subject'])
    .execute();
  await db.schema.createIndex('user_identities_user').on('user_identities').column('user_id').execute();
}
