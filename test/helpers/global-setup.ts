import { ADMIN_URL, checkPostgres } from './postgres.js';

/** Every suite runs on SQLite and PostgreSQL: refuse to start, clearly, without PostgreSQL. */
export default async function setup() {
  try {
    await checkPostgres();
  } catch (err) {
    throw new Error(
      [
        `The tests need a PostgreSQL server at ${ADMIN_URL} (set TEST_DATABASE_URL to use another).`,
        `Connecting failed: ${(err as Error).message}`,
        'Start it with:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
        'or install it:  apt-get install -y postgresql',
      ].join('\n'),
    );
  }
}
