import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { HousekeptTable } from './tables.js';

/** What one run did to one table. */
export interface TableReport {
  table: string;
  deleted: number;
  batches: number;
  /** Wall time spent on the table, in seconds. */
  seconds: number;
  /**
   * How far behind the table is after the run: how long before the cutoff the oldest row still due
   * fell due, in seconds (0: caught up). Null when it could not be read (the table failed).
   */
  backlogSeconds: number | null;
  /** The error that stopped this table's run; the other tables still ran. */
  error?: unknown;
}

export interface HousekeepingOptions {
  tables: HousekeptTable[];
  clock: Clock;
  /** Rows per DELETE statement: each statement is its own short transaction. */
  batchSize: number;
  /** A table stops for this run after this much time (what is left waits for the next run). */
  maxSecondsPerTable: number;
  /** Called with each table's failure; the run goes on with the next table. */
  failed: (table: string, err: unknown) => void;
}

/**
 * Housekeeping: drops what expired, table by table, in bounded batches chosen through each table's
 * time index, so no statement holds locks for long and a backlog of millions of rows is cleared
 * over several short statements (and, if it must, over several runs) instead of one that times out.
 * One table's failure never stops the others. Runs do not overlap: a run asked for while one is
 * under way joins it.
 */
export function createHousekeeping(o: HousekeepingOptions) {
  const listeners: ((reports: TableReport[]) => void)[] = [];
  let running: Promise<TableReport[]> | undefined;

  async function clear(t: HousekeptTable): Promise<TableReport> {
    const started = performance.now();
    const report: TableReport = { table: t.name, deleted: 0, batches: 0, seconds: 0, backlogSeconds: 0 };
    try {
      const now = o.clock.now();
      const cutoff = t.cutoff(now);
      if (cutoff) {
        for (;;) {
          const n = await t.rows.deleteBatch(cutoff, o.batchSize);
          report.batches++;
          report.deleted += n;
          if (n < o.batchSize || performance.now() - started > o.maxSecondsPerTable * 1000) break;
          // Lets requests waiting for the database (SQLite's single writer) in between batches.
          await yieldToOthers();
        }
        const oldest = await t.rows.oldest(cutoff);
        report.backlogSeconds = oldest ? Math.max(0, (cutoff.getTime() - oldest.getTime()) / 1000) : 0;
      }
    } catch (err) {
      report.error = err;
      report.backlogSeconds = null;
      o.failed(t.name, err);
    }
    report.seconds = (performance.now() - started) / 1000;
    return report;
  }

  async function runOnce(): Promise<TableReport[]> {
    const reports: TableReport[] = [];
    for (const t of o.tables) reports.push(await clear(t));
    for (const listener of listeners) listener(reports);
    return reports;
  }

  return {
    /** One pass over every table; resolves with what it did (failures included, never rejected). */
    run(): Promise<TableReport[]> {
      running ??= runOnce().finally(() => {
        running = undefined;
      });
      return running;
    },

    /** Observers (metrics) get every run's reports. */
    subscribe(listener: (reports: TableReport[]) => void): void {
      listeners.push(listener);
    },
  };
}

export type Housekeeping = ReturnType<typeof createHousekeeping>;
