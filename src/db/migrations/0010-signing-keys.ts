import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Signing keys of access tokens, shared by every instance: the newest unretired key of the
 * configured algorithm signs, retired ones verify until the tokens they signed have expired.
 * `material` is the private key or HMAC secret, sealed with a key derived from COOKIE_SECRET.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('material', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('retired_at', t.timestamp)
    .execute();
  await db.schema
    .createIndex('signing_keys_algorithm')
    .on('signing_keys')
    .columns(['algorithm', 'created_at'])
    .execute();
}
