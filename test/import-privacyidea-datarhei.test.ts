import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { cli } from './helpers/cli.js';
import { createTestDatabase } from './helpers/postgres.js';
import { cliEnvOf, importWith, ok, privacyideaLogin, storedHash } from './helpers/import.js';

const PEPPER = 'zzsWra6vnoYFrlVXJM3DlgPO';

/**
 * privacyIDEA's hash_with_pepper: passlib's pbkdf2_sha512 over PI_PEPPER + password, written here by Python's
 * own hashlib in passlib's format ($pbkdf2-sha512$rounds$salt$checksum, adapted base64 without padding).
 */
function passlibPbkdf2(password: string): string {
  const code = `
import base64, hashlib, os, sys
salt = os.urandom(10)
dk = hashlib.pbkdf2_hmac('sha512', (sys.argv[1] + sys.argv[2]).encode(), salt, 10023)
ab64 = lambda b: base64.b64encode(b).decode().rstrip('=').replace('+', '.')
print('$pbkdf2-sha512$10023$' + ab64(salt) + '$' + ab64(dk), end='')`;
  return execFileSync('python3', ['-c', code, PEPPER, password], { encoding: 'utf8' });
}

async function privacyideaDatabase() {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  // From privacyidea/models.py: Admin and Realm.
  await client.query(`
    create table admin (username varchar(120) primary key, password varchar(255), email varchar(255));
    create table realm (id serial primary key, name varchar(255) unique not null, "default" boolean, option varchar(40))`);
  await client.query('insert into admin (username, password, email) values ($1, $2, $3), ($4, $5, null)', [
    'superuser',
    passlibPbkdf2('super old password'),
    'super@example.org',
    'helpdesk',
    passlibPbkdf2('helpdesk old password'),
  ]);
  await client.query("insert into realm (name, \"default\") values ('employees', true), ('partners', false)");
  await client.end();
  return db;
}

describe.each(DATABASES)('gatehouse import privacyidea and datarhei on %s', (db) => {
  const app = useTestApp(db);
  let source: Awaited<ReturnType<typeof privacyideaDatabase>>;
  let dir: string;
  beforeAll(async () => {
    source = await privacyideaDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-dr-'));
  }, 60_000);
  afterAll(async () => {
    await source?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('brings privacyIDEA admins with their peppered passlib hashes, and its realms', async () => {
    const t = app();
    const withoutPepper = await importWith(t, 'privacyidea', source.url, '--dry-run');
    expect(withoutPepper.counts.unverifiable).toBe(2);

    const res = await cli(['import', 'privacyidea', '--from', source.url, '--format', 'json'], {
      ...cliEnvOf(t),
      PI_PEPPER: PEPPER,
    });
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.counts).toMatchObject({ read: 2, created: 2, unverifiable: 0 });
    expect(await t.app.services.realms.exists('partners')).toBe(true);

    const login = ok(await privacyideaLogin(t, 'superuser', 'super old password'));
    expect(login.json().result.value.role).toBe('admin');
    expect(await storedHash(t, 'super@example.org')).toMatch(/^\$argon2id\$/);
    ok(await privacyideaLogin(t, 'helpdesk', 'helpdesk old password'));
    expect((await privacyideaLogin(t, 'superuser', 'wrong')).statusCode).not.toBe(200);
  }, 120_000);

  it("brings datarhei Core's API user from its config.json", async () => {
    const t = app();
    const file = path.join(dir, `config-${db}.json`);
    await writeFile(
      file,
      JSON.stringify({
        version: 3,
        api: { auth: { enable: true, username: 'core', password: 'core old password', jwt: { secret: 'x' } } },
      }),
    );
    const summary = await importWith(t, 'datarhei', file);
    expect(summary.counts).toMatchObject({ created: 1 });
    ok(
      await t.request({
        method: 'POST',
        url: '/api/login',
        payload: { username: 'core', password: 'core old password' },
      }),
    );
    expect((await importWith(t, 'datarhei', file)).counts).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
  }, 60_000);
});
