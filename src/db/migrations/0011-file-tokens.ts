import type { Kysely } from 'kysely';

/**
 * The read token of a file, sealed (AES-256-GCM) beside its hash: HBP shows `Metadata.token` to every
 * caller who may read the file, so it must be recoverable, yet never stored in clear. Files uploaded
 * before this migration have no sealed token until it is rotated (`DELETE /storage/m/<path>`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').addColumn('token_sealed', 'text').execute();
}
