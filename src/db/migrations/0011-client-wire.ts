import type { Kysely } from 'kysely';

/** What the real clients of the compatibility dialects need stored (issue 9). */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The read token of a file, sealed (AES-256-GCM) beside its hash: HBP shows `Metadata.token` to every
  // caller who may read the file, so it must be recoverable, yet never stored in clear. Files uploaded
  // before this migration have none until their token is rotated (`DELETE /storage/m/<path>`).
  await db.schema.alterTable('files').addColumn('token_sealed', 'text').execute();
  // Rocket.Chat's clients may send the password as its SHA-256 hex digest. That digest is a password
  // equivalent, so it gets its own argon2id verifier, written whenever the plain password is known.
  await db.schema.alterTable('users').addColumn('password_digest_hash', 'text').execute();
}
