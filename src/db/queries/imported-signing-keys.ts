import type { Kysely } from 'kysely';
import { toDate } from '../dialect.js';
import type { ExpiredRows } from './expired-rows.js';
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

    /**
     * Housekeeping: keys whose every token has expired, by `verify_until`. The key is (door, kid), which
     * expired-rows.ts's one-column batches cannot name; the table holds a few keys per import, so no index.
     */
    expired: {
      async deleteBatch(before, limit) {
        const result = await db
          .deleteFrom('imported_signing_keys')
          .where((eb) =>
            eb(
              eb.refTuple('door', 'kid'),
              'in',
              eb
                .selectFrom('imported_signing_keys')
                .select(['door', 'kid'])
                .where('verify_until', '<', before)
                .orderBy('verify_until')
                .limit(limit)
                .$asTuple('door', 'kid'),
            ),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },
      async oldest(before) {
        const row = await db
          .selectFrom('imported_signing_keys')
          .select((eb) => eb.fn.min('verify_until').as('oldest'))
          .where('verify_until', '<', before)
          .executeTakeFirst();
        return row?.oldest ? toDate(row.oldest) : null;
      },
    } satisfies ExpiredRows,
  };
}
