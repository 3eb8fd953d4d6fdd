import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer } from './helpers/auth.js';
import { hbpLogin, humhubLogin, importWith, ok, privacyideaLogin, storedHash } from './helpers/import.js';

const SCHEMA = path.join(import.meta.dirname, 'fixtures/import/humhub-schema.sql');
const MARIADB = 'mysql://root@127.0.0.1:3306';

/** A hash as HumHub's Password model writes it, by PHP itself. */
const php = (code: string) => execFileSync('php', ['-r', code], { encoding: 'utf8' });
const phpQuote = (s: string) => `'${s.replace(/[\\']/g, '\\$&')}'`;
const HASHES = {
  sha512whirlpool: (pw: string, salt: string) => php(`echo hash('sha512', hash('whirlpool', ${phpQuote(pw + salt)}));`),
  sha512: (pw: string, salt: string) => php(`echo hash('sha512', ${phpQuote(pw + salt)});`),
  sha1md5: (pw: string, salt: string) => php(`echo sha1(md5(${phpQuote(pw + salt)}));`),
  bcrypt: (pw: string) => php(`echo password_hash(${phpQuote(pw)}, PASSWORD_DEFAULT);`),
};

const PEOPLE = [
  { id: 7, username: 'hanna', algorithm: 'sha512whirlpool', admin: true },
  { id: 12, username: 'igor', algorithm: 'sha512' },
  { id: 31, username: 'jana', algorithm: 'sha1md5' },
  { id: 44, username: 'karl', algorithm: 'bcrypt' },
  { id: 45, username: 'lena', algorithm: 'md5-legacy' },
].map((p) => ({ ...p, guid: randomUUID(), password: `${p.username} old pass 'q"\\` }));

/** A fresh MariaDB database with HumHub's tables and users whose hashes PHP wrote. */
async function humhubDatabase() {
  const name = `humhub_test_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: MARIADB, multipleStatements: true });
  await admin.query(`create database ${name}`);
  await admin.query(`use ${name}`);
  await admin.query(await readFile(SCHEMA, 'utf8'));
  const token = randomBytes(43).toString('base64url');
  for (const p of PEOPLE) {
    await admin.query(
      `insert into user (id, guid, status, username, email, language, created_at, last_login)
       values (?, ?, 1, ?, ?, 'de', now(), now())`,
      [p.id, p.guid, p.username, `${p.username}@example.org`],
    );
    await admin.query('insert into profile (user_id, firstname, lastname) values (?, ?, ?)', [
      p.id,
      p.username[0]!.toUpperCase() + p.username.slice(1),
      'Muster',
    ]);
    const salt = randomUUID();
    const hash =
      p.algorithm === 'bcrypt'
        ? HASHES.bcrypt(p.password)
        : p.algorithm in HASHES
          ? HASHES[p.algorithm as 'sha512'](p.password, salt)
          : 'x';
    // An older row first: the newest one counts.
    await admin.query(
      "insert into user_password (user_id, algorithm, password, salt) values (?, 'sha512', 'old', 's')",
      [p.id],
    );
    await admin.query(
      'insert into user_password (user_id, algorithm, password, salt, created_at) values (?, ?, ?, ?, now())',
      [p.id, p.algorithm, hash, salt],
    );
    await admin.query('insert into group_user (user_id, group_id) values (?, ?)', [p.id, p.admin ? 1 : 2]);
  }
  await admin.query(
    'insert into rest_user_bearer_tokens (user_id, token, expiration) values (?, ?, now() + interval 30 day)',
    [12, token],
  );
  await admin.end();
  return {
    url: `${MARIADB}/${name}`,
    token,
    async drop() {
      const c = await mysql.createConnection({ uri: MARIADB });
      await c.query(`drop database if exists ${name}`);
      await c.end();
    },
  };
}

describe.each(DATABASES)('gatehouse import humhub on %s', (db) => {
  const app = useTestApp(db);
  let source: Awaited<ReturnType<typeof humhubDatabase>>;
  beforeAll(async () => {
    source = await humhubDatabase();
  }, 60_000);
  afterAll(() => source?.drop());

  it('keeps numeric ids and guids, every HumHub hash, the admin group and bearer tokens; re-runs change nothing', async () => {
    const t = app();
    const first = await importWith(t, 'humhub', source.url);
    expect(first.counts).toMatchObject({ read: 5, created: 5, unverifiable: 1, tokens: 1 });
    expect(first.unverifiable).toEqual([expect.objectContaining({ email: 'lena@example.org', scheme: 'unsupported' })]);

    for (const p of PEOPLE.slice(0, 4)) {
      const res = ok(await humhubLogin(t, p.username, p.password));
      const current = ok(await t.request({ url: '/api/v1/auth/current', headers: bearer(res.json().auth_token) }));
      expect(current.json()).toMatchObject({ id: p.id, guid: p.guid, account: { username: p.username } });
      expect(await storedHash(t, `${p.username}@example.org`)).toMatch(/^\$argon2id\$/);
      // The upgraded hash serves every door.
      ok(await hbpLogin(t, `${p.username}@example.org`, p.password));
    }
    ok(await privacyideaLogin(t, 'hanna', PEOPLE[0]!.password));
    expect((await t.app.services.users.require('hanna@example.org')).roles).toContain('admin');
    // An unverifiable hash is kept (reported above), never matches: the user resets the password.
    expect((await humhubLogin(t, 'lena', PEOPLE[4]!.password)).statusCode).toBe(400);
    expect(await storedHash(t, 'lena@example.org')).toMatch(/^\$gatehouse-import\$unsupported\$md5-legacy\$.+\$x$/);

    // The REST module's bearer token still names the same user.
    const byToken = ok(await t.request({ url: '/api/v1/auth/current', headers: bearer(source.token) }));
    expect(byToken.json()).toMatchObject({ id: 12, guid: PEOPLE[1]!.guid });

    // New users are numbered above the imported ones.
    const created = await t.app.services.users.create({
      email: 'new@example.org',
      password: 'a new passphrase 12',
      roles: ['user'],
      defaultRole: 'user',
      active: true,
    });
    expect(created.numericId).toBeGreaterThan(45);

    const again = await importWith(t, 'humhub', source.url);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
  }, 120_000);
});
