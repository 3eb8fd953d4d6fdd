import type { Kysely } from 'kysely';
import { toDate } from '../dialect.js';
import type { Database } from '../types.js';

/** An old system's signing key, verify-only (migration 0030). */
export interface ImportedKeyRow {
  door: string;
  kid: string;
  algorithm: string;
  /** The sealed HMAC secret or PEM key. */
  material: string;
  createdAt: Date;
  verifyUntil: Date;
}

export function createImportedSigningKeyQueries(db: Kysely<Database>) {
  return {
    /** The door's keys that may still verify a token at `now`. */
    async live(door: string, now: Date): Promise<ImportedKeyRow[]> {
      const rows = await db
        .selectFrom('imported_signing_keys')
        .selectAll()
        .where('door', '=', door)
        .where('verify_until', '>', now)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((r) => ({
        door: r.door,
        kid: r.kid,
        algorithm: r.algorithm,
        material: r.material,
        createdAt: toDate(r.created_at),
        verifyUntil: toDate(r.verify_until),
      }));
    },

    /** Adds a key, or moves the end of a key imported before to the new run's (a re-run before the switch). */
    async upsert(k: ImportedKeyRow): Promise<void> {
      await db
        .insertInto('imported_signing_keys')
        .values({
          door: k.door,
          kid: k.kid,
          algorithm: k.algorithm,
          material: k.material,
          created_at: k.createdAt,
          verify_until: k.verifyUntil,
        })
        .onConflict((oc) => oc.columns(['door', 'kid']).doUpdateSet({ verify_until: k.verifyUntil }))
        .execute();
    },

    /** Housekeeping: drops keys whose every token has expired. */
    async deleteExpired(now: Date): Promise<void> {
      await db.deleteFrom('imported_signing_keys').where('verify_until', '<=', now).execute();
    },
  };
}
