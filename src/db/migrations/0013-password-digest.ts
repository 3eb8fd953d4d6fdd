import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Rocket.Chat's clients may send the SHA-256 of the password instead of the password. An argon2id
 * hash of that digest is kept beside the password's own, written whenever a password is set (and at
 * the first plain login of an account that has none yet).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('users').addColumn('password_digest_hash', 'text').execute();
}
