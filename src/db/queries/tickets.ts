import type { Kysely } from 'kysely';
import { toJson, type DialectName } from '../dialect.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';

export interface NewTicket {
  hash: string;
  purpose: string;
  userId: string;
  email: string;
  data: Record<string, unknown> | null;
  expiresAt: Date;
  now: Date;
}

export interface ConsumedTicket {
  userId: string;
  email: string;
  data: Record<string, unknown>;
}

export function createTicketQueries(db: Kysely<Database>, dialect: DialectName) {
  /** An update of the ticket if it is live: right hash and purpose, unused, unexpired. */
  const live = (hash: string, purpose: string, now: Date) =>
    db
      .updateTable('tickets')
      .where('hash', '=', hash)
      .where('purpose', '=', purpose)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now);
  const toTicket = (row: { user_id: string; email: string; data: unknown }): ConsumedTicket => ({
    userId: row.user_id,
    email: row.email,
    data: toJson(row.data ?? '{}') ?? {},
  });

  return {
    /** Stores a ticket and voids the user's earlier unused ones of the same purpose. */
    async replace(t: NewTicket): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('tickets')
          .where('user_id', '=', t.userId)
          .where('purpose', '=', t.purpose)
          .where('consumed_at', 'is', null)
          .execute();
        await trx
          .insertInto('tickets')
          .values({
            hash: t.hash,
            purpose: t.purpose,
            user_id: t.userId,
            email: t.email,
            data: t.data && JSON.stringify(t.data),
            expires_at: t.expiresAt,
            created_at: t.now,
          })
          .execute();
      });
    },

    /** Marks a live ticket of this purpose used, once: of concurrent consumers, one wins. */
    async consume(hash: string, purpose: string, now: Date): Promise<ConsumedTicket | undefined> {
      const row = await live(hash, purpose, now)
        .set({ consumed_at: now })
        .returning(['user_id', 'email', 'data'])
        .executeTakeFirst();
      return row && toTicket(row);
    },

    /** A live ticket of this purpose, read without counting a try (whose user it names). */
    async peek(hash: string, purpose: string, now: Date): Promise<ConsumedTicket | undefined> {
      const row = await db
        .selectFrom('tickets')
        .select(['user_id', 'email', 'data'])
        .where('hash', '=', hash)
        .where('purpose', '=', purpose)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && toTicket(row);
    },

    /** Counts one attempt on a live ticket; undefined once `maxAttempts` were used (the ticket is then void). */
    async attempt(hash: string, purpose: string, now: Date, maxAttempts: number): Promise<ConsumedTicket | undefined> {
      const row = await live(hash, purpose, now)
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('attempts', '<', maxAttempts)
        .returning(['user_id', 'email', 'data'])
        .executeTakeFirst();
      return row && toTicket(row);
    },

    /** Consumes a live ticket that has had fewer than `maxAttempts` misses (`miss`): a code's ticket. */
    async consumeWithin(hash: string, purpose: string, now: Date, maxAttempts: number) {
      const row = await live(hash, purpose, now)
        .set({ consumed_at: now })
        .where('attempts', '<', maxAttempts)
        .returning(['user_id', 'email', 'data'])
        .executeTakeFirst();
      return row && toTicket(row);
    },

    /** A wrong code: one attempt more on the user's live tickets of the purpose (a code is found by its user). */
    async miss(userId: string, purpose: string, now: Date): Promise<void> {
      await db
        .updateTable('tickets')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .execute();
    },

    /**
     * Voids every unused ticket of the user but those of the `keep` purposes (a password or email
     * change): a link mailed before the change must not work after it. Tickets the change itself
     * issues come after this call.
     */
    async voidAllOf(userId: string, keep: readonly string[]): Promise<void> {
      let q = db.deleteFrom('tickets').where('user_id', '=', userId).where('consumed_at', 'is', null);
      if (keep.length) q = q.where('purpose', 'not in', keep);
      await q.execute();
    },

    /** Housekeeping: tickets past `expires_at` (used or not), in batches. */
    expired: expiredRows(db, dialect, 'tickets', 'hash', 'expires_at'),
  };
}

export type TicketQueries = ReturnType<typeof createTicketQueries>;
