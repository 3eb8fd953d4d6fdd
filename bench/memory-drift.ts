// Memory under a fuzz-like load (issue 10: RSS climbed from ~200 to ~420 MiB over 100,000 requests).
// Runs the built server, sends it the fuzz suite's generated requests over HTTP (every operation of
// /openapi.json, every persona), and samples RSS, V8 heap and external memory from /metrics.
//   npm run build && node --import tsx bench/memory-drift.ts [minutes=3] [concurrency=8]
// With MALLOC_ARENA_MAX=2 set in its environment, the server runs with glibc's arenas capped.
// Its GC trace goes to stdout: `2>&1 | grep Mark-Compact` shows the live heap after each full collection.
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import {
  injectOptions,
  requestOf,
  type OpenApi,
  type Operation,
  type Recipe,
  type World,
} from '../test/helpers/fuzz-requests.js';
import { createWorld, type Send } from '../test/helpers/fuzz-world.js';
import { startServer } from './server.js';

const MINUTES = Number(process.argv[2] ?? 3);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const ADMIN_SECRET = 'memory-drift-admin-secret-memory-drift';
const MiB = 1024 * 1024;

/** One request over HTTP, shaped like app.inject()'s options and answer. */
function httpSender(base: string): Send {
  return async (opts: InjectOptions) => {
    const url = new URL(String(opts.url), base);
    for (const [k, v] of Object.entries((opts.query ?? {}) as Record<string, string | string[]>))
      for (const one of [v].flat()) url.searchParams.append(k, one);
    const headers = { ...(opts.headers as Record<string, string>) };
    let body = opts.payload as string | Buffer | object | undefined;
    if (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body)) {
      body = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url, { method: opts.method ?? 'GET', headers, body: body as BodyInit | undefined });
    const text = await res.text();
    return { statusCode: res.status, body: text, json: () => JSON.parse(text) };
  };
}

async function memory(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / MiB;
  return {
    rss: read('process_resident_memory_bytes'),
    heapUsed: read('nodejs_heap_size_used_bytes'),
    heapTotal: read('nodejs_heap_size_total_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

async function run(label: string, env: Record<string, string>) {
  const server = await startServer(
    {
      ...env,
      ADMIN_SECRET,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_AUTH_PER_IP: '1000000',
      RATE_LIMIT_AUTH_PER_ACCOUNT: '1000000',
      ROCKETCHAT_LOGIN_PER_IP: '1000000',
      LOGIN_MAX_FAILURES_PER_HOUR: '100000',
      STORAGE_MAX_FILE_SIZE: '200000',
      ALLOW_USER_SELF_DELETE: 'true',
      MAGIC_LINK_ENABLED: 'true',
      LOST_PASSWORD_ENABLED: 'true',
      VERIFY_EMAILS: 'true',
    },
    { nodeFlags: ['--trace-gc'], stdout: 'inherit' },
  );
  try {
    const send = httpSender(server.url);
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApi;
    const ops: Operation[] = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
    );
    // A fixed pool of recipes per operation, cycled: the same work each minute, so growth is not new kinds of work.
    const recipes = ops.flatMap((op) =>
      fc.sample(requestOf(op, doc), { seed: 7, numRuns: 40 }).map((r): [Operation, Recipe] => [op, r]),
    );
    let world: World = await createWorld(send, ADMIN_SECRET);
    let sent = 0;
    let failed = 0;
    const deadline = Date.now() + MINUTES * 60_000;
    const worker = async (offset: number) => {
      for (let i = offset; Date.now() < deadline; i += CONCURRENCY) {
        const [op, recipe] = recipes[i % recipes.length]!;
        const req = injectOptions(op, recipe, world, ADMIN_SECRET);
        const report = (what: string) =>
          failed++ < 5 &&
          console.log(`${op.method} ${req.url} ${JSON.stringify(req.query)} as ${recipe.persona}: ${what}`);
        await send(req).then(
          (res) => res.statusCode >= 500 && report(`${res.statusCode} ${res.body.slice(0, 200)}`),
          (err: Error) => report(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`),
        );
        sent++;
      }
    };
    const samples: string[] = [];
    const sample = async () => {
      const m = await memory(server.url);
      samples.push(
        `${label}\t${sent}\t${m.rss.toFixed(0)}\t${m.heapUsed.toFixed(1)}\t${m.heapTotal.toFixed(1)}\t${m.external.toFixed(1)}`,
      );
      console.log(samples.at(-1));
    };
    console.log('run\trequests\trss MiB\theapUsed MiB\theapTotal MiB\texternal MiB');
    await sample();
    const timer = setInterval(() => void sample(), 15_000);
    // A request may sign the live user out or delete it: the world is rebuilt every 30 s.
    const refresh = setInterval(
      () =>
        void createWorld(send, ADMIN_SECRET).then(
          (w) => (world = w),
          () => undefined,
        ),
      30_000,
    );
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i)));
    clearInterval(timer);
    clearInterval(refresh);
    await sample();
    console.log(`${label}: ${sent} requests in ${MINUTES} min, ${failed} 5xx or failed`);
  } finally {
    await server.stop();
  }
}

// --trace-gc prints each full collection's heap after it ("Mark-Compact 180.1 (200.0) -> 75.3 (190.2) MB"):
// the live heap, free of garbage not yet collected, which one sample of heapUsed is not.
const arenas = process.env.MALLOC_ARENA_MAX;
await run(arenas ? `arenas=${arenas}` : 'default', arenas ? { MALLOC_ARENA_MAX: arenas } : {});
