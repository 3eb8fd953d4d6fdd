import { CompiledQuery, type Kysely } from 'kysely';
import { toCount, toDateOrNull, type DialectName } from '../dialect.js';
import type { Database } from '../types.js';

/** PostgreSQL: record and count in one round trip (the count cannot see the new row: same snapshot, hence + 1). */
const ADD_AND_COUNT_POSTGRES = `
with added as (insert into login_failures (key, at) values ($1, $2) returning id)
select (select id from added) as id, count(*) + 1 as count, min(at) as oldest from login_failures where key = $1 and at > $3`;

export function createLoginFailureQueries(db: Kysely<Database>, dialect: DialectName) {
  return {
    /** Records an attempt at `at`; the attempts since `since` (this one included), and the oldest of the others. */
    async addAndCount(key: string, at: Date, since: Date): Promise<{ id: number; count: number; oldest: Date | null }> {
      if (dialect === 'postgres') {
        const { rows } = await db.executeQuery<{ id: unknown; count: unknown; oldest: unknown }>(CompiledQuery.raw(ADD_AND_COUNT_POSTGRES, [key, at, since]));
        return { id: Number(rows[0]!.id), count: toCount(rows[0]!.count), oldest: toDateOrNull(rows[0]!.oldest) };
      }
      const id = await this.add(key, at);
      return { id, ...(await this.since(key, since)) };
    },

    async add(key: string, at: Date): Promise<number> {
      const row = await db.insertInto('login_failures').values({ key, at }).returning('id').executeTakeFirstOrThrow();
      return Number(row.id);
    },

    async remove(id: number): Promise<void> {
      await db.deleteFrom('login_failures').where('id', '=', id).execute();
    },

    /** Number of failures since `since`, and the oldest of them (to tell when a slot frees up). */
    async since(key: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
      const row = await db
        .selectFrom('login_failures')
        .select((eb) => [eb.fn.countAll().as('count'), eb.fn.min('at').as('oldest')])
        .where('key', '=', key)
        .where('at', '>', since)
        .executeTakeFirst();
      return { count: toCount(row?.count), oldest: toDateOrNull(row?.oldest) };
    },

    async prune(before: Date): Promise<void> {
      await db.deleteFrom('login_failures').where('at', '<=', before).execute();
    },
  };
}

export type LoginFailureQueries = ReturnType<typeof createLoginFailureQueries>;
