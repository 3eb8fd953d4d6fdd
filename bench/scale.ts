// npm run bench:scale: each everyday operation's median latency on a small and on a large
// PostgreSQL database, side by side in one run (issue 24). Both databases are migrated, then grown
// by SQL alone (test/helpers/scale-data.ts: users, 3× refresh tokens, 2× sessions, 10× audit
// entries…, a sixth of them expired), then one app is built on each, in this process. The
// operations go through app.inject (the whole HTTP stack without the network) and alternate
// small, large, small, large…, so both sides share the machine's noise.
// BENCH_SCALE_USERS (default 1,000,000; 50000 for a quick try), BENCH_SCALE_SMALL (default 1,000),
// BENCH_SCALE_SAMPLES (per operation and side, default 40), BENCH_SCALE_ONLY (operations whose name
// contains one of these comma-separated words). BENCH_SCALE_LARGE_URL: use this database, already grown
// to BENCH_SCALE_USERS by test/helpers/scale-data.ts (migrated to the latest schema here, kept
// afterwards), instead of growing one: growing a million users takes minutes on a quiet machine.
import { performance } from 'node:perf_hooks';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { openDatabase } from '../src/db/client.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { growDatabase, scaleOf } from '../test/helpers/scale-data.js';

const USERS = Number(process.env.BENCH_SCALE_USERS ?? 1_000_000);
const SMALL = Number(process.env.BENCH_SCALE_SMALL ?? 1_000);
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 40);
const ADMIN_SECRET = 'bench-admin-secret-bench-admin-secret';
const admin = { 'x-admin-secret': ADMIN_SECRET };
const PASSWORD = 'a sturdy passphrase 42';

type App = Awaited<ReturnType<typeof buildApp>>;

const ONLY = process.env.BENCH_SCALE_ONLY?.split(',').filter(Boolean);

async function grown(users: number, existing?: string) {
  const database = existing ? { url: existing, drop: async () => undefined } : await createTestDatabase();
  const db = openDatabase({
    kind: 'postgres',
    url: database.url,
    statementTimeoutMs: 3_600_000,
    acquireTimeoutMs: 60_000,
  });
  await migrateToLatest(db);
  await db.close();
  if (!existing) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const started = performance.now();
    await growDatabase(client, scaleOf(users));
    await client.end();
    console.error(`grew ${users} users in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const config = loadConfig({
    DATA_DIR: await mkdtemp(path.join(tmpdir(), 'gatehouse-scale-')),
    DATABASE_URL: database.url,
    ADMIN_SECRET,
    // Fixed, so that a kept database's signing keys (sealed with it) open again in the next run.
    COOKIE_SECRET: 'bench-scale-cookie-secret-bench-scale-cookie-secret',
    RATE_LIMIT_ENABLED: 'false',
    LOG_REQUESTS: 'false',
    AUDIT_RETENTION_DAYS: '90',
  });
  const app = await buildApp(config);
  await app.ready();
  // A new account per run (a kept database may hold one from an earlier run).
  const email = `bench-${users}-${Date.now()}@scale.example`;
  const reg = await app.inject({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } });
  if (reg.statusCode !== 200) throw new Error(`register: ${reg.statusCode} ${reg.body}`);
  const userId = reg.json().user.id as string;
  return { app, database, email, userId };
}
type Side = Awaited<ReturnType<typeof grown>>;

async function call(app: App, opts: InjectOptions) {
  const res = await app.inject(opts);
  if (res.statusCode >= 400) throw new Error(`${JSON.stringify(opts)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return res;
}

const login = (s: Side) =>
  call(s.app, { method: 'POST', url: '/auth/login', payload: { email: s.email, password: PASSWORD } }).then(
    (r) => r.json() as { jwt_token: string; refresh_token: string },
  );

/** Each operation: an untimed setup, then the timed call. */
const OPERATIONS: [name: string, op: (s: Side) => Promise<() => Promise<unknown>>][] = [
  ['HBP login', async (s) => () => login(s)],
  [
    'GET /auth/user (token check)',
    async (s) => {
      const { jwt_token } = await login(s);
      return () => call(s.app, { url: '/auth/user', headers: { authorization: `Bearer ${jwt_token}` } });
    },
  ],
  [
    'refresh rotation',
    async (s) => {
      const { refresh_token } = await login(s);
      return () => call(s.app, { url: `/auth/token/refresh?refresh_token=${encodeURIComponent(refresh_token)}` });
    },
  ],
  [
    'POST /auth/logout',
    async (s) => {
      const { jwt_token, refresh_token } = await login(s);
      const headers = { authorization: `Bearer ${jwt_token}` };
      return () =>
        call(s.app, { method: 'POST', url: '/auth/logout', headers, payload: { refresh_token } }).catch(() =>
          call(s.app, { method: 'POST', url: `/auth/logout?refresh_token=${refresh_token}`, headers }),
        );
    },
  ],
  [
    'admin search (substring)',
    async (s) => () => call(s.app, { url: '/admin/users?search=u42&limit=50', headers: admin }),
  ],
  [
    'admin search (rare term)',
    async (s) => () => call(s.app, { url: '/admin/users?search=u99999@&limit=50', headers: admin }),
  ],
  [
    'admin search (two characters no one has)',
    async (s) => () => call(s.app, { url: '/admin/users?search=zq&limit=50', headers: admin }),
  ],
  [
    'admin search (two characters many start with, a later page)',
    async (s) => {
      const first = await call(s.app, { url: '/admin/users?search=u4&limit=50', headers: admin });
      const cursor = (first.json() as { next_cursor: string | null }).next_cursor;
      return () => call(s.app, { url: `/admin/users?search=u4&limit=50&cursor=${cursor}`, headers: admin });
    },
  ],
  ['admin list, first page', async (s) => () => call(s.app, { url: '/admin/users?limit=50', headers: admin })],
  [
    'audit by actor',
    async (s) => () => call(s.app, { url: `/admin/audit?actor=${s.userId}&limit=50`, headers: admin }),
  ],
  [
    'audit by action',
    async (s) => () => call(s.app, { url: '/admin/audit?action=mfa.enable&limit=50', headers: admin }),
  ],
  [
    'storage folder listing',
    async (s) => {
      const rows = await s.app.services.db.kysely
        .selectFrom('files')
        .select('key')
        .where('key', '>=', 'user/')
        .orderBy('key')
        .limit(1)
        .execute();
      const folder = rows[0]!.key.split('/').slice(0, 2).join('/');
      return () => call(s.app, { url: `/storage/m/${folder}/`, headers: admin });
    },
  ],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

async function main() {
  console.error(`growing a small (${SMALL} users) and a large (${USERS} users) database…`);
  const small = await grown(SMALL);
  const large = await grown(USERS, process.env.BENCH_SCALE_LARGE_URL);
  const rows: string[] = [];
  try {
    for (const [name, op] of OPERATIONS) {
      if (ONLY && !ONLY.some((word) => name.includes(word))) continue;
      const times: [number[], number[]] = [[], []];
      try {
        for (let i = 0; i < SAMPLES + 3; i++) {
          for (const [k, side] of [small, large].entries()) {
            const timed = await op(side);
            const started = performance.now();
            await timed();
            if (i >= 3) times[k]!.push(performance.now() - started);
          }
        }
        const [a, b] = [median(times[0]), median(times[1])];
        rows.push(`| ${name} | ${ms(a)} | ${ms(b)} | ${(b / a).toFixed(2)} |`);
      } catch (err) {
        rows.push(`| ${name} | – | – | failed: ${String((err as Error).message).slice(0, 80)} |`);
      }
    }
    // Housekeeping: one run each (the large side clears its backlog of expired rows in batches).
    const hk: number[] = [];
    for (const side of ONLY && !ONLY.includes('housekeeping') ? [] : [small, large]) {
      const started = performance.now();
      const reports = await side.app.services.housekeeping.run();
      hk.push(performance.now() - started);
      const deleted = reports.reduce((n, r) => n + r.deleted, 0);
      const failed = reports.filter((r) => r.error !== undefined).map((r) => r.table);
      const rate = Math.round(deleted / ((performance.now() - started) / 1000));
      console.error(
        `housekeeping deleted ${deleted} rows (${rate}/s)${failed.length ? `, failed on ${failed.join(', ')}` : ''}`,
      );
    }
    if (hk.length)
      rows.push(
        `| housekeeping run (whole backlog, once) | ${ms(hk[0]!)} | ${ms(hk[1]!)} | ${(hk[1]! / hk[0]!).toFixed(1)} |`,
      );
  } finally {
    for (const side of [small, large]) {
      await side.app.close();
      await side.database.drop();
    }
  }
  console.log(`\n| operation | ${SMALL} users (ms) | ${USERS} users (ms) | ratio |\n|---|---|---|---|`);
  for (const row of rows) console.log(row);
}

await main();
