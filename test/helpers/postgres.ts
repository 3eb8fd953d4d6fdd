import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the suites create their throwaway databases on. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function checkPostgres(): Promise<void> {
  await admin((c) => c.query('select 1'));
}

/**
 * Creates a database and returns its URL and a function dropping it: empty, or a copy of `template` (the suites copy
 * the run's migrated template, made once by global-setup.ts: copying costs a fraction of applying every migration).
 * The suites pass `durable: false`: they test behaviour, not durability, so a commit need not wait for its WAL to
 * reach the disk; the benchmarks keep the server's default.
 */
export async function createTestDatabase(
  options: { template?: string; durable?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    await c.query(
      options.template ? `create database ${name} template ${options.template}` : `create database ${name}`,
    );
    if (options.durable === false) await c.query(`alter database ${name} set synchronous_commit = off`);
  });
  return { url: databaseUrl(name), drop: () => dropDatabase(name) };
}

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function dropDatabase(name: string): Promise<void> {
  return admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined);
}

/** The migrated template for one test run (global-setup.ts); `migrate` applies the migrations to the URL given. */
export async function createTemplate(
  migrate: (url: string) => Promise<void>,
): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `gatehouse_template_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  await migrate(databaseUrl(name));
  return { name, drop: () => dropDatabase(name) };
}
