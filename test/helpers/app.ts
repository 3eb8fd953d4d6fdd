import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config, type Env } from '../../src/config/load.js';
import { TestClock } from './clock.js';
import { createTestDatabase } from './postgres.js';

export const DATABASES = ['sqlite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASES)[number];

/** Cheap argon2 parameters: the suites test behaviour, the benchmark tests cost. */
const FAST_HASHING: Env = { ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1' };

export interface TestApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  config: Config;
  clock: TestClock;
  logs: string[];
  /** inject() that also records any status the route's OpenAPI entry does not declare. */
  request(opts: InjectOptions): Promise<LightMyRequestResponse>;
  undeclared: string[];
  close(): Promise<void>;
}

export function declaredStatuses(
  doc: { paths?: Record<string, Record<string, { responses?: Record<string, unknown> }>> },
  method: string,
  url: string,
) {
  const pathname = url.split('?')[0]!;
  // A static route wins over a parametric one, as in Fastify's router.
  const exact = doc.paths?.[pathname];
  if (exact?.[method.toLowerCase()]) return Object.keys(exact[method.toLowerCase()]!.responses ?? {});
  // A documented path asked with a method it does not document is no operation: the server's (or a dialect's)
  // answer to an unknown route, which no entry declares.
  for (const [route, ops] of Object.entries(doc.paths ?? {})) {
    const pattern = new RegExp(`^${route.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const op = ops[method.toLowerCase()];
    if (op && pattern.test(pathname)) return Object.keys(op.responses ?? {});
  }
  return undefined;
}

/**
 * A fresh app on a fresh database (a new SQLite file, or a new PostgreSQL database).
 * `route` rewrites the PostgreSQL URL the app connects with (to go through a TCP proxy).
 */
export async function buildTestApp(
  db: DatabaseKind,
  env: Env = {},
  route: (url: string) => string = (url) => url,
): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-test-'));
  const pgDatabase =
    db === 'postgres' ? await createTestDatabase({ template: inject('postgresTemplate'), durable: false }) : undefined;
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: pgDatabase && route(pgDatabase.url),
    ...FAST_HASHING,
    ...env,
  });
  const clock = new TestClock();
  const logs: string[] = [];
  const logStream = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
  const app = await buildApp(config, { clock, logStream });
  await app.ready();
  const doc = app.swagger() as Parameters<typeof declaredStatuses>[0];
  const undeclared: string[] = [];

  return {
    app,
    config,
    clock,
    logs,
    undeclared,
    async request(opts) {
      const res = await app.inject(opts);
      const method = opts.method ?? 'GET';
      const declared = declaredStatuses(doc, method, String(opts.url ?? '/'));
      if (declared && !declared.includes(String(res.statusCode)))
        undeclared.push(`${method} ${opts.url} → ${res.statusCode}`);
      return res;
    },
    async close() {
      try {
        await app.close();
      } finally {
        await pgDatabase?.drop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Registers one app per suite on `db`, and fails any test that got an undeclared status. */
export function useTestApp(db: DatabaseKind, env: Env | (() => Env) = {}): () => TestApp {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await buildTestApp(db, typeof env === 'function' ? env() : env);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    if (!t) return;
    const found = t.undeclared.splice(0);
    expect(found, 'statuses missing from the OpenAPI document').toEqual([]);
  });
  return () => {
    if (!t) throw new Error('test app not built yet');
    return t;
  };
}
