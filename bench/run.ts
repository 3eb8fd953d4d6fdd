// npm run bench: throughput ratios measured in one run, printed as a Markdown table.
// Bounded: every load phase lasts DURATION seconds; the whole run takes about two minutes.
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { hash, verify } from '@node-rs/argon2';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { startServer, type BenchServer } from './server.js';
import { ADMIN_SECRET, storageFigures } from './storage.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const PASSWORD = 'a sturdy passphrase 42';
const ARGON2 = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 }; // OWASP, as the server's defaults

type Result = autocannon.Result;
const run = (opts: autocannon.Options) => autocannon({ duration: DURATION, ...opts }) as Promise<Result>;

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ jwt_token: string; refresh_token: string }>;
}

async function session(server: BenchServer, email: string) {
  await post(`${server.url}/auth/register`, { email, password: PASSWORD }).catch(() => undefined);
  return post(`${server.url}/auth/login`, { email, password: PASSWORD });
}

/** Raw argon2id verifications per second, with `concurrency` in flight, in this process. */
async function rawVerifies(concurrency: number): Promise<number> {
  const stored = await hash(PASSWORD, ARGON2);
  const end = Date.now() + DURATION * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await verify(stored, PASSWORD);
        done++;
      }
    }),
  );
  return done / DURATION;
}

/** Refresh rotations per second: every connection follows its own token chain. */
async function rotations(server: BenchServer, connections: number): Promise<number> {
  const tokens = await Promise.all(Array.from({ length: connections }, (_, i) => session(server, `rot-${i}@bench.example`).then((s) => s.refresh_token)));
  let next = 0;
  const result = await run({
    url: server.url,
    connections,
    requests: [
      {
        method: 'GET',
        setupRequest: (req, context: Record<string, string>) => {
          context.token ??= tokens[next++ % tokens.length]!;
          return { ...req, path: `/auth/token/refresh?refresh_token=${context.token}` };
        },
        onResponse: (status, body, context: Record<string, string>) => {
          if (status === 200) context.token = JSON.parse(body).refresh_token;
        },
      },
    ],
  });
  if (result.non2xx > 0) throw new Error(`rotation bench: ${result.non2xx} failed refreshes`);
  return result.requests.average;
}

async function main() {
  const rows: [string, string, string][] = [];
  const sqlite = await startServer({ LOG_LEVEL: 'info' });
  try {
    const { jwt_token } = await session(sqlite, 'reader@bench.example');
    const bare = await run({ url: `${sqlite.url}/version`, connections: 16 });
    const authed = await run({ url: `${sqlite.url}/auth/user`, connections: 16, headers: { authorization: `Bearer ${jwt_token}` } });
    rows.push(['authenticated `GET /auth/user` ÷ bare `GET /version`', `${(authed.requests.average / bare.requests.average).toFixed(2)} (${authed.requests.average.toFixed(0)} ÷ ${bare.requests.average.toFixed(0)} req/s)`, '≥ 0.8']);

    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const raw = await rawVerifies(threads);
    const logins = await run({ url: `${sqlite.url}/auth/login`, method: 'POST', connections: threads, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'reader@bench.example', password: PASSWORD }) });
    rows.push(['password logins/s ÷ raw argon2id verifies/s', `${(logins.requests.average / raw).toFixed(2)} (${logins.requests.average.toFixed(1)} ÷ ${raw.toFixed(1)})`, '≥ 0.9']);

    rows.push(['refresh rotations/s, SQLite', (await rotations(sqlite, 16)).toFixed(0), '≥ 2,500']);

    const [underLoad] = await Promise.all([
      run({ url: `${sqlite.url}/auth/user`, connections: 8, headers: { authorization: `Bearer ${jwt_token}` } }),
      run({ url: `${sqlite.url}/auth/login`, method: 'POST', connections: 64, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'reader@bench.example', password: PASSWORD }) }),
    ]);
    rows.push(['p99 of authenticated GETs during 64 concurrent logins', `${underLoad.latency.p99} ms`, '≤ 50 ms']);
  } finally {
    await sqlite.stop();
  }

  const files = await startServer({ LOG_LEVEL: 'warn', ADMIN_SECRET, STORAGE_MAX_FILE_SIZE: String(2 ** 31), STORAGE_QUOTA: '0' });
  try {
    rows.push(...(await storageFigures(files, DURATION)));
  } finally {
    await files.stop();
  }

  const database = await createTestDatabase();
  const postgres = await startServer({ LOG_LEVEL: 'info', DATABASE_URL: database.url });
  try {
    rows.push(['refresh rotations/s, PostgreSQL', (await rotations(postgres, 16)).toFixed(0), '≥ 1,000']);
  } finally {
    await postgres.stop();
    await database.drop();
  }

  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${availableParallelism()} cores, Node ${process.version}, ${DURATION} s per phase, rate limits off.`,
    '',
    '| Figure | Measured | Goal |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  console.log(table);
  if (process.argv.includes('--write')) {
    const readme = readFileSync('README.md', 'utf8');
    writeFileSync('README.md', readme.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`));
  }
}

await main();
