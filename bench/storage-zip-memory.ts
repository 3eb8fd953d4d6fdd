// The extra RSS of zipping (and listing) one large folder: a loose check that both stay bounded
// whatever the folder's size (issue 24: a 20,000-file folder zipped under 100 MiB of extra RSS).
// Runs alone, in one process (server and reader), on SQLite or on PostgreSQL:
//   node [--expose-gc] --import tsx bench/storage-zip-memory.ts [files=5000] [object KiB=16]
// (--expose-gc adds the memory still reachable after full collections; it slows the run a lot)
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<an empty database> node --import tsx bench/storage-zip-memory.ts
// The rows are written by SQL, all pointing at one uploaded object: what is measured is the zip's
// memory per file (rows, streams, the central directory), not the filesystem's.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';

const FILES = Number(process.argv[2] ?? 5_000);
const OBJECT_KIB = Number(process.argv[3] ?? 16);
const ADMIN_SECRET = 'bench-admin-secret-bench-admin-secret';
const MiB = 1024 * 1024;

const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-zip-bench-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  DATABASE_URL: process.env.DATABASE_URL,
  ADMIN_SECRET,
  LOG_LEVEL: 'warn',
});
const app = await buildApp(config);
try {
  await app.ready();
  const admin = { 'x-admin-secret': ADMIN_SECRET };
  const up = await app.inject({
    method: 'POST',
    url: '/storage/o/bench/seed.bin',
    payload: randomBytes(OBJECT_KIB * 1024), // incompressible: deflate does its full work
    headers: { ...admin, 'content-type': 'application/octet-stream' },
  });
  if (up.statusCode !== 200) throw new Error(`upload: ${up.statusCode}`);
  const { kysely } = app.services.db;
  const seed = await kysely
    .selectFrom('files')
    .selectAll()
    .where('key', '=', 'bench/seed.bin')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < FILES; i += 500) {
    const rows = Array.from({ length: Math.min(500, FILES - i) }, (_, j) => ({
      ...seed,
      key: `bench/big/${String(i + j).padStart(6, '0')}.bin`,
    }));
    await kysely.insertInto('files').values(rows).execute();
  }

  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  global.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const heapBaseline = process.memoryUsage().heapUsed + process.memoryUsage().external;
  let livePeak = 0;
  let ticks = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    // With --expose-gc, what is still reachable after a full collection, now and then: memory held, not garbage.
    if (global.gc && ++ticks % 50 === 0) {
      global.gc();
      const m = process.memoryUsage();
      livePeak = Math.max(livePeak, m.heapUsed + m.external - heapBaseline);
    }
  }, 10);

  const started = Date.now();
  const res = await fetch(`http://127.0.0.1:${port}/storage/o/bench/big/`, { headers: admin });
  let bytes = 0;
  for await (const chunk of res.body!) bytes += (chunk as Uint8Array).length;
  const zipMs = Date.now() - started;
  const zipPeak = peak;
  const zipLive = livePeak;

  let pages = 0;
  let listed = 0;
  let marker = '';
  for (;;) {
    const page = await fetch(`http://127.0.0.1:${port}/storage/m/bench/big/?limit=1000${marker}`, { headers: admin });
    listed += ((await page.json()) as unknown[]).length;
    pages++;
    if (page.headers.get('x-truncated') !== 'true') break;
    marker = `&marker=${page.headers.get('x-next-marker')}`;
  }
  clearInterval(sampler);

  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  console.log(`database:   ${config.database.kind}`);
  console.log(`folder:     ${FILES} files of ${OBJECT_KIB} KiB`);
  console.log(
    `zip:        ${mib(bytes)} in ${zipMs} ms (status ${res.status}), extra RSS at peak ${mib(zipPeak - baseline)}${global.gc ? `, live ${mib(zipLive)}` : ''}`,
  );
  console.log(`listing:    ${listed} files in ${pages} pages of 1000, extra RSS at peak ${mib(peak - baseline)}`);
  if (listed !== FILES) throw new Error(`listed ${listed} of ${FILES}`);
} finally {
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
}
