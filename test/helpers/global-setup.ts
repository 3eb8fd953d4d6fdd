import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase } from '../../src/db/client.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { ADMIN_URL, checkPostgres, createTemplate } from './postgres.js';
import { REDIS_URL, checkRedis } from './redis.js';

/** Every suite runs on SQLite and PostgreSQL, and the scale-out suite on Redis: say clearly what is missing. */
export default async function setup(project: TestProject) {
  const missing: string[] = [];
  await checkPostgres().catch((err: Error) =>
    missing.push(
      `PostgreSQL at ${ADMIN_URL} (TEST_DATABASE_URL): ${err.message}\n` +
        '  start it:   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '  install it: apt-get install -y postgresql',
    ),
  );
  await checkRedis().catch((err: Error) =>
    missing.push(
      `Redis at ${REDIS_URL} (TEST_REDIS_URL): ${err.message}\n` +
        "  start it:   redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no\n" +
        '  install it: apt-get install -y redis-server',
    ),
  );
  if (missing.length) throw new Error(`The test suites need these services:\n- ${missing.join('\n- ')}`);
  // The suites' PostgreSQL databases are copies of one template migrated here, once per run.
  const template = await createTemplate(async (url) => {
    const db = openDatabase(loadConfig({ DATABASE_URL: url }).database);
    try {
      await migrateToLatest(db);
    } finally {
      await db.close();
    }
  });
  project.provide('postgresTemplate', template.name);
  return () => template.drop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated PostgreSQL database the suites' databases are copied from. */
    postgresTemplate: string;
  }
}
