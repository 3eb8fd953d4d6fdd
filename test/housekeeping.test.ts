import { sql } from 'kysely';
import parse from 'parse-prometheus-text-format';
import { describe, expect, it, vi } from 'vitest';
import { DATABASES, buildTestApp, type DatabaseKind, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

const METRICS_TOKEN = 'a-long-metrics-scrape-token-0123456789';
/** More than two batches' worth (a batch is 2,000 rows) in every table. */
const EXPIRED = 5000;
const LIVE = 7;
const HOUR = 3_600_000;

/** The value of a housekeeping metric for one table, read from /metrics. */
async function metric(t: TestApp, name: string, table?: string): Promise<number | undefined> {
  const res = await t.request({ url: '/metrics', headers: bearer(METRICS_TOKEN) });
  expect(res.statusCode).toBe(200);
  const family = parse(res.body).find((f) => f.name === name);
  const sample = family?.metrics.find((m) => table === undefined || m.labels?.table === table);
  return sample && 'value' in sample ? Number(sample.value) : undefined;
}

/** Fills the housekept tables by SQL: `n` rows each at `at` (expiry, or time of the entry), for `userId`. */
async function grow(t: TestApp, db: DatabaseKind, userId: string, n: number, at: Date, tag: string) {
  const k = t.app.services.db.kysely;
  const uuid = db === 'postgres' ? sql`gen_random_uuid()` : sql`lower(hex(randomblob(16)))`;
  const series = sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n})`;
  const now = t.clock.now();
  await sql`${series} insert into refresh_tokens (hash, family_id, user_id, expires_at, created_at)
    select ${`${tag}-rt-`} || i, ${uuid}, ${userId}, ${at}, ${now} from s`.execute(k);
  await sql`${series} insert into sessions (id, user_id, door, created_at, expires_at)
    select ${uuid}, ${userId}, 'test-filler', ${now}, ${at} from s`.execute(k);
  await sql`${series} insert into tickets (hash, purpose, user_id, email, expires_at, created_at)
    select ${`${tag}-tk-`} || i, 'test-filler', ${userId}, 'x@example.test', ${at}, ${now} from s`.execute(k);
  await sql`${series} insert into storage_reservations (id, user_id, bytes, expires_at)
    select ${uuid}, ${userId}, 1, ${at} from s`.execute(k);
  // Login failures and audit entries are dropped by age: stamped `at` minus the retention.
  const failedAt = new Date(at.getTime() - HOUR);
  await sql`${series} insert into login_failures (key, at) select ${`${tag}-`} || i, ${failedAt} from s`.execute(k);
  const loggedAt = new Date(at.getTime() - 30 * 24 * HOUR);
  await sql`${series} insert into audit_log (at, actor, action, outcome)
    select ${loggedAt}, ${tag}, 'test.filler', 'success' from s`.execute(k);
}

/** What tells the rows `grow` wrote in each table. */
const GROWN: Record<string, (userId: string) => ReturnType<typeof sql>> = {
  login_failures: () => sql`key like 'old-%' or key like 'new-%'`,
  refresh_tokens: () => sql`hash like 'old-rt-%' or hash like 'new-rt-%'`,
  sessions: () => sql`door = 'test-filler'`,
  tickets: () => sql`purpose = 'test-filler'`,
  storage_reservations: (userId) => sql`user_id = ${userId}`,
  audit_log: () => sql`action = 'test.filler'`,
};
const TABLES = Object.keys(GROWN);

async function counts(t: TestApp, userId: string): Promise<Record<string, number>> {
  const k = t.app.services.db.kysely;
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    // Only the rows this test grew, not those its own registration wrote.
    const mine = GROWN[table]!(userId);
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table)} where ${mine}`.execute(k);
    out[table] = Number(rows[0]!.n);
  }
  return out;
}

/** Builds an app, grows its tables, lets `prepare` break something, then fires the housekeeping timer once. */
async function withHousekeeping(
  db: DatabaseKind,
  prepare: (t: TestApp) => Promise<void>,
  check: (t: TestApp, userId: string) => Promise<void>,
) {
  // Only the housekeeping interval is faked; the database and the HTTP layer run for real.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  let t: TestApp | undefined;
  try {
    t = await buildTestApp(db, { AUDIT_RETENTION_DAYS: '30', METRICS_TOKEN });
    const userId = (await register(t)).user.id;
    const now = t.clock.now();
    await grow(t, db, userId, EXPIRED, new Date(now.getTime() - 24 * HOUR), 'old');
    await grow(t, db, userId, LIVE, new Date(now.getTime() + 24 * HOUR), 'new');
    await prepare(t);
    vi.advanceTimersByTime(10 * 60_000);
    const app = t;
    await vi.waitFor(async () => expect(await metric(app, 'gatehouse_housekeeping_runs_total')).toBe(1), {
      timeout: 20_000,
      interval: 50,
    });
    await check(t, userId);
  } finally {
    vi.useRealTimers();
    await t?.close();
  }
}

describe.each(DATABASES)('batched housekeeping on %s', (db) => {
  it('removes a backlog larger than one batch from every table in several batches and keeps live rows', async () => {
    await withHousekeeping(
      db,
      async () => {},
      async (t, userId) => {
        expect(await counts(t, userId)).toEqual(Object.fromEntries(TABLES.map((table) => [table, LIVE])));
        for (const table of TABLES) {
          expect(await metric(t, 'gatehouse_housekeeping_deleted_rows_total', table), table).toBe(EXPIRED);
          expect(await metric(t, 'gatehouse_housekeeping_batches_total', table), table).toBeGreaterThanOrEqual(3);
          expect(await metric(t, 'gatehouse_housekeeping_backlog_seconds', table), table).toBe(0);
          expect(await metric(t, 'gatehouse_housekeeping_failures_total', table), table).toBeUndefined();
        }
      },
    );
  }, 60_000);

  it("goes on with the other tables when one table's deletes fail, and reports that table", async () => {
    await withHousekeeping(
      db,
      // A real failure of the database, not of our code: a trigger refusing every delete from tickets.
      async (t) => {
        const k = t.app.services.db.kysely;
        if (db === 'postgres') {
          await sql`create function refuse_delete() returns trigger language plpgsql as
            $$ begin raise exception 'deletes refused'; end $$`.execute(k);
          await sql`create trigger tickets_refuse before delete on tickets
            for each statement execute function refuse_delete()`.execute(k);
        } else {
          await sql`create trigger tickets_refuse before delete on tickets
            begin select raise(abort, 'deletes refused'); end`.execute(k);
        }
      },
      async (t, userId) => {
        const left = await counts(t, userId);
        expect(left).toEqual({ ...Object.fromEntries(TABLES.map((table) => [table, LIVE])), tickets: EXPIRED + LIVE });
        expect(await metric(t, 'gatehouse_housekeeping_failures_total', 'tickets')).toBe(1);
        // Tables before and after the failing one were cleared.
        expect(await metric(t, 'gatehouse_housekeeping_deleted_rows_total', 'refresh_tokens')).toBe(EXPIRED);
        expect(await metric(t, 'gatehouse_housekeeping_deleted_rows_total', 'audit_log')).toBe(EXPIRED);
        expect(t.logs.join('')).toContain('housekeeping failed on one table');
      },
    );
  }, 60_000);
});
