import { sql, type Kysely } from 'kysely';
import { encodeParameter, toDateOrNull, type DialectName } from '../dialect.js';
import type { Database } from '../types.js';

/** Rows of one table that housekeeping drops once their time column is past a cutoff. */
export interface ExpiredRows {
  /**
   * Deletes at most `limit` rows whose time is before `before`, oldest first, in one short
   * statement (its own transaction); returns how many it deleted. The rows are chosen through
   * the index on the time column, so a batch costs the same whatever the table's size.
   */
  deleteBatch(before: Date, limit: number): Promise<number>;
  /** The time of the oldest row still before `before` (null: none), read from the same index. */
  oldest(before: Date): Promise<Date | null>;
}

/**
 * The batch statements of one table: `delete … where key in (select key … where time < $1
 * order by time limit $2)` (`= any(array(select …))` on PostgreSQL). On PostgreSQL the inner select skips rows another
 * instance's batch
 * holds (`for update skip locked`), so instances running housekeeping at once never wait on
 * each other. Used by each table's query module, which names its table, key and time column.
 */
export function expiredRows<T extends keyof Database & string>(
  db: Kysely<Database>,
  dialect: DialectName,
  table: T,
  key: keyof Database[T] & string,
  column: keyof Database[T] & string,
): ExpiredRows {
  const t = sql.table(table);
  const k = sql.ref(key);
  const c = sql.ref(column);
  const skipLocked = dialect === 'postgres' ? sql` for update skip locked` : sql``;
  return {
    async deleteBatch(before, limit) {
      const cutoff = encodeParameter(dialect, before);
      const batch = sql`select ${k} from ${t} where ${c} < ${cutoff} order by ${c} limit ${limit}${skipLocked}`;
      // PostgreSQL: the keys as an array, so the delete looks each up by the primary key; with `in (select …)`
      // the planner may hash-join the batch against a sequential scan of the whole table.
      const keys = dialect === 'postgres' ? sql`= any(array(${batch}))` : sql`in (${batch})`;
      const result = await sql`delete from ${t} where ${k} ${keys}`.execute(db);
      return Number(result.numAffectedRows ?? 0n);
    },
    async oldest(before) {
      const cutoff = encodeParameter(dialect, before);
      const { rows } = await sql<{
        oldest: unknown;
      }>`select min(${c}) as oldest from ${t} where ${c} < ${cutoff}`.execute(db);
      return toDateOrNull(rows[0]?.oldest);
    },
  };
}
