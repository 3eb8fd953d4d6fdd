import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Env } from '../../src/config/load.js';
import type { Clock } from '../../src/core/clock.js';
import type { DatabaseKind } from './app.js';
import { TestClock } from './clock.js';
import { createTestDatabase } from './postgres.js';

export interface Instance<C extends Clock = TestClock> {
  app: Awaited<ReturnType<typeof buildApp>>;
  clock: C;
}

/**
 * `count` instances of Gatehouse on one fresh database (a shared SQLite file, or a new PostgreSQL database), each
 * with its own DATA_DIR and clock (a `TestClock` moved by hand unless `newClock` says otherwise), sharing `env` and
 * a COOKIE_SECRET. `close()` closes them and removes the database and the folders.
 */
export async function startInstances(db: DatabaseKind, count: number, env: Env): Promise<Cluster<TestClock>>;
export async function startInstances<C extends Clock>(
  db: DatabaseKind,
  count: number,
  env: Env,
  newClock: () => C,
): Promise<Cluster<C>>;
export async function startInstances(
  db: DatabaseKind,
  count: number,
  env: Env,
  newClock: () => Clock = () => new TestClock(),
): Promise<Cluster<Clock>> {
  const dirs = await Promise.all(
    Array.from({ length: count + 1 }, () => mkdtemp(path.join(tmpdir(), 'gatehouse-instances-'))),
  );
  const pg = db === 'postgres' ? await createTestDatabase() : undefined;
  const shared = {
    DATABASE_URL: pg?.url ?? `sqlite:${path.join(dirs[count]!, 'shared.db')}`,
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    LOG_LEVEL: 'silent',
    ...env,
  };
  const apps: Instance<Clock>[] = [];
  const close = async () => {
    await Promise.all(apps.map((a) => a.app.close()));
    await pg?.drop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  };
  try {
    for (const dir of dirs.slice(0, count)) {
      const clock = newClock();
      apps.push({ app: await buildApp(loadConfig({ ...shared, DATA_DIR: dir }), { clock }), clock });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { apps, close };
}

export interface Cluster<C extends Clock> {
  apps: Instance<C>[];
  close(): Promise<void>;
}
