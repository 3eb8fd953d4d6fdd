import type { Kysely } from 'kysely';

/** What the real clients of the compatibility dialects need stored (issue 9). */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The read token of a file, sealed (AES-256-GCM) beside its hash: HBP shows `Metadata.token` to every
  // caller who may read the file, so it must be recoverable, yet never stored in clear. Files uploaded
  // before this migration have none until their token is rotated (`DELETE /storage/m/<path>`).
  await db.schema.alterTable('files').addColumn('token_sealed', 'text').execute();
}
