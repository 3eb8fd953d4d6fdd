import type { Kysely } from 'kysely';
import { toCount, type DialectName } from '../dialect.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';

export interface Reservation {
  id: string;
  userId: string;
  /** What the upload holds now; the statement raises it to this when the quota allows. */
  bytes: number;
  quota: number;
  /** The file an upload replaces: its old size does not count (the new version takes its place). */
  replacing: string | null;
  now: Date;
  expiresAt: Date;
}

/** Bytes held by uploads in flight against their owner's quota (see migration 0017). */
export function createStorageReservationQueries(db: Kysely<Database>, dialect: DialectName) {
  return {
    /**
     * Raises (or takes) a reservation to `bytes` if the owner's stored files, the other live
     * reservations and it fit in the quota; returns whether it did. Concurrent reservations of
     * one owner are serialised on the owner's row (PostgreSQL) or by SQLite's single writer, so
     * two uploads never both see the same room.
     */
    async reserve(r: Reservation): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        // NO KEY UPDATE: serialises reservations without blocking inserts that reference the user (files).
        if (dialect === 'postgres') {
          await trx.selectFrom('users').select('id').where('id', '=', r.userId).forNoKeyUpdate().execute();
        }
        // One statement, so one snapshot: a concurrent upload's file (published first) or its reservation
        // (released after) is always seen. Two statements could miss both, between publish and release.
        const row = await trx
          .selectNoFrom((eb) => {
            let files = eb
              .selectFrom('files')
              .select((f) => f.fn.sum<number>('size').as('t'))
              .where('owner_id', '=', r.userId);
            if (r.replacing !== null) files = files.where('key', '<>', r.replacing);
            const held = eb
              .selectFrom('storage_reservations')
              .select((h) => h.fn.sum<number>('bytes').as('t'))
              .where('user_id', '=', r.userId)
              .where('expires_at', '>', r.now)
              .where('id', '<>', r.id);
            return [files.as('stored'), held.as('held')];
          })
          .executeTakeFirst();
        if (toCount(row?.stored) + toCount(row?.held) + r.bytes > r.quota) return false;
        await trx
          .insertInto('storage_reservations')
          .values({ id: r.id, user_id: r.userId, bytes: r.bytes, expires_at: r.expiresAt })
          .onConflict((oc) => oc.column('id').doUpdateSet({ bytes: r.bytes }))
          .execute();
        return true;
      });
    },

    async release(id: string): Promise<void> {
      await db.deleteFrom('storage_reservations').where('id', '=', id).execute();
    },

    /** Housekeeping: reservations left by uploads that crashed (they stopped counting at expiry), in batches. */
    expired: expiredRows(db, dialect, 'storage_reservations', 'id', 'expires_at'),
  };
}

export type StorageReservationQueries = ReturnType<typeof createStorageReservationQueries>;
