import { ADMIN_URL, checkPostgres } from './postgres.js';
import { REDIS_URL, checkRedis } from './redis.js';

/** Every suite runs on SQLite and PostgreSQL, and the scale-out suite on Redis: say clearly what is missing. */
export default async function setup() {
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
}
