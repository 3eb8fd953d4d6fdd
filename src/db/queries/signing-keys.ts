import type { Kysely } from 'kysely';
import { toDate, toDateOrNull } from '../dialect.js';
import type { Database } from '../types.js';

export interface SigningKeyRow {
  kid: string;
  /** The ring the key belongs to: the access tokens' algorithm (`RS256`…), or `<dialect>:<algorithm>`. */
  algorithm: string;
  /** Sealed private key or HMAC secret. */
  material: string;
  createdAt: Date;
  retiredAt: Date | null;
}

const toRow = (r: {
  kid: string;
  algorithm: string;
  material: string;
  created_at: unknown;
  retired_at: unknown;
}): SigningKeyRow => ({
  kid: r.kid,
  algorithm: r.algorithm,
  material: r.material,
  createdAt: toDate(r.created_at),
  retiredAt: toDateOrNull(r.retired_at),
});

export function createSigningKeyQueries(db: Kysely<Database>) {
  return {
    /** Keys of `algorithm` not retired before `retiredAfter`, newest first (the first one signs). */
    async live(algorithm: string, retiredAfter: Date): Promise<SigningKeyRow[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('algorithm', '=', algorithm)
        .where((w) => w.or([w('retired_at', 'is', null), w('retired_at', '>', retiredAfter)]))
        .orderBy('created_at', 'desc')
        .orderBy('kid')
        .execute();
      return rows.map(toRow);
    },

    /** The first key of an algorithm; another instance may have inserted the same one meanwhile. */
    async insertIfAbsent(k: Omit<SigningKeyRow, 'retiredAt'>): Promise<void> {
      await db
        .insertInto('signing_keys')
        .values({ kid: k.kid, algorithm: k.algorithm, material: k.material, created_at: k.createdAt, retired_at: null })
        .onConflict((oc) => oc.column('kid').doNothing())
        .execute();
    },

    /** Retires every current key of the algorithm and adds the new one, atomically; returns the retired kids. */
    async rotate(k: Omit<SigningKeyRow, 'retiredAt'>): Promise<string[]> {
      return db.transaction().execute(async (trx) => {
        const retired = await trx
          .updateTable('signing_keys')
          .set({ retired_at: k.createdAt })
          .where('algorithm', '=', k.algorithm)
          .where('retired_at', 'is', null)
          .returning('kid')
          .execute();
        await trx
          .insertInto('signing_keys')
          .values({
            kid: k.kid,
            algorithm: k.algorithm,
            material: k.material,
            created_at: k.createdAt,
            retired_at: null,
          })
          .execute();
        return retired.map((r) => r.kid);
      });
    },

    /** Drops the ring's keys retired before `before`: no unexpired token can carry their kid. */
    async deleteRetiredBefore(algorithm: string, before: Date): Promise<void> {
      await db.deleteFrom('signing_keys').where('algorithm', '=', algorithm).where('retired_at', '<', before).execute();
    },

    /** The rings that have a signing key. */
    async rings(): Promise<string[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .select('algorithm')
        .where('retired_at', 'is', null)
        .groupBy('algorithm')
        .orderBy('algorithm')
        .execute();
      return rows.map((r) => r.algorithm);
    },
  };
}

export type SigningKeyQueries = ReturnType<typeof createSigningKeyQueries>;
