import type { Kysely } from 'kysely';
import { toCount, toDateOrNull, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import type { Database } from '../types.js';
import { expiredRows } from './expired-rows.js';

export function createLoginFailureQueries(db: Kysely<Database>, dialect: DialectName) {
  // Every login runs these three: prepared once (named statements on PostgreSQL).
  const add = prepare<{ key: string; at: Date }, { id: number | string }>(dialect, (p) =>
    db.insertInto('login_failures').values({ key: p.key, at: p.at }).returning('id'),
  );
  const remove = prepare<{ id: number }, never>(dialect, (p) => db.deleteFrom('login_failures').where('id', '=', p.id));
  const since = prepare<{ key: string; after: Date }, { count: unknown; oldest: unknown }>(dialect, (p) =>
    db
      .selectFrom('login_failures')
      .select((eb) => [eb.fn.countAll().as('count'), eb.fn.min('at').as('oldest')])
      .where('key', '=', p.key)
      .where('at', '>', p.after),
  );
  return {
    /**
     * Records an attempt at `at`, then counts the attempts since `since` (this one included).
     * Two statements on purpose: the record is committed before the count, so of two
     * concurrent attempts the one that counts last sees both (one statement would count in a
     * snapshot without the other's record, and concurrent guesses could overshoot the limit).
     */
    async addAndCount(key: string, at: Date, since: Date): Promise<{ id: number; count: number; oldest: Date | null }> {
      const id = await this.add(key, at);
      return { id, ...(await this.since(key, since)) };
    },

    async add(key: string, at: Date): Promise<number> {
      const [row] = await add(db, { key, at });
      return Number(row!.id);
    },

    async remove(id: number): Promise<void> {
      await remove(db, { id });
    },

    /** Number of failures since `since`, and the oldest of them (to tell when a slot frees up). */
    async since(key: string, after: Date): Promise<{ count: number; oldest: Date | null }> {
      const [row] = await since(db, { key, after });
      return { count: toCount(row?.count), oldest: toDateOrNull(row?.oldest) };
    },

    /** Housekeeping: failures older than the throttle's window, in batches. */
    expired: expiredRows(db, dialect, 'login_failures', 'id', 'at'),
  };
}

export type LoginFailureQueries = ReturnType<typeof createLoginFailureQueries>;
