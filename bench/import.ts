// npm run bench:import: how fast `gatehouse import` writes users, on a fresh PostgreSQL database and a fresh
// SQLite file. A JSON-lines file of N users (Gatehouse's export format: a bcrypt hash, two roles, a TOTP seed
// for every tenth user, a live refresh token for every fifth) is written first, then imported through the CLI's
// own run() in this process; the line printed per database gives users per second and the peak of the heap,
// which stays flat as N grows (the source is streamed and written a batch at a time).
// BENCH_IMPORT_USERS (default 1,000,000), BENCH_IMPORT_DATABASES (default "postgres,sqlite").
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { run } from '../src/main.js';
import type { ImportSummary } from '../src/import/summary.js';
import { createTestDatabase } from '../test/helpers/postgres.js';

/** One bcrypt hash for everyone: an import never hashes, so its cost is the same for any hash. */
const HASH = '$2b$10$0CGrRNl/PGM6gytQD8ipUuRT0rdJ/Wb7jVIRN3zcDoyRl2bVozwWS';
const BATCH = Number(process.env.BENCH_IMPORT_BATCH ?? 4000);
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** Writes N users in the export format. */
export async function writeUsers(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString();
  for (let i = 1; i <= n; i++) {
    const line = JSON.stringify({
      id: randomUUID(),
      email: `user${i}@bench.example.org`,
      username: `user${i}`,
      displayName: `User ${i}`,
      defaultRole: 'user',
      roles: ['user', 'me'],
      active: true,
      disabled: false,
      emailVerified: true,
      passwordHash: HASH,
      metadata: { n: i },
      ...(i % 10 === 0 && { mfa: { secret: SECRET, enabledAt: new Date().toISOString() } }),
      ...(i % 5 === 0 && {
        refreshTokens: [{ hash: createHash('sha256').update(`token-${i}`).digest('base64url'), expiresAt: expires }],
      }),
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Imports the file into a fresh database of `kind`; answers the summary, the seconds and the heap's peak. */
export async function benchImport(file: string, kind: 'postgres' | 'sqlite') {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-bench-import-'));
  const pg = kind === 'postgres' ? await createTestDatabase() : undefined;
  let stdout = '';
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 50);
  const started = performance.now();
  try {
    const code = await run(
      ['node', 'gatehouse', 'import', 'jsonl', '--from', file, '--format', 'json', '--batch-size', String(BATCH)],
      {
        env: { DATA_DIR: dataDir, DATABASE_URL: pg?.url, LOG_LEVEL: 'silent' },
        stdin: Readable.from([]),
        stdout: new Writable({ write: (c, _e, done) => ((stdout += c), done()) }),
        stderr: new Writable({ write: (_c, _e, done) => done() }),
      },
    );
    if (code !== 0) throw new Error(`import failed (${code})`);
    const seconds = (performance.now() - started) / 1000;
    return { summary: JSON.parse(stdout) as ImportSummary, seconds, peakHeapMiB: Math.round(peak / 2 ** 20) };
  } finally {
    clearInterval(sampler);
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const n = Number(process.env.BENCH_IMPORT_USERS ?? 1_000_000);
  const kinds = (process.env.BENCH_IMPORT_DATABASES ?? 'postgres,sqlite').split(',') as ('postgres' | 'sqlite')[];
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-bench-users-'));
  const file = path.join(dir, 'users.jsonl');
  try {
    await writeUsers(file, n);
    console.log(`import of ${n} users (jsonl, batches of ${BATCH})`);
    for (const kind of kinds) {
      const r = await benchImport(file, kind);
      const rate = Math.round(r.summary.counts.created / r.seconds);
      console.log(
        `${kind.padEnd(8)} ${r.summary.counts.created} created in ${r.seconds.toFixed(1)} s: ${rate} users/s, ` +
          `heap peak ${r.peakHeapMiB} MiB`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, 'import.ts')) await main();
