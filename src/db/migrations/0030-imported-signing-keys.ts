import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.js';

/**
 * Signing keys of the systems Gatehouse replaces (HBP's JWT_KEY, HumHub's REST JWT key, privacyIDEA's
 * SECRET_KEY, datarhei Core's JWT secret), brought over by `gatehouse import … --signing-keys` so that the
 * tokens those systems issued keep working until they expire. A table of their own, apart from
 * `signing_keys`: no ring reads it, so an imported key verifies a door's old tokens and never signs.
 * `material` is sealed like the rings' keys; `verify_until` is when the last token it signed expires.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('imported_signing_keys')
    .addColumn('door', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('material', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('verify_until', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('imported_signing_keys_pk', ['door', 'kid'])
    .execute();
}
