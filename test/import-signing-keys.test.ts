import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hash as bcrypt } from '@node-rs/bcrypt';
import { SignJWT, type JWTPayload } from 'jose';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../src/core/sessions/actor.js';
import { DATABASES, type TestApp, useTestApp } from './helpers/app.js';
import { importWith, importWithEnv } from './helpers/import.js';
import { createTestDatabase } from './helpers/postgres.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures/import');
const MARIADB = 'mysql://root@127.0.0.1:3306';
const NS = 'https://hasura.io/jwt/claims';

/** A token signed as the old system signs it: its algorithm, its claims, no `kid` of Gatehouse's. */
const sign = (payload: JWTPayload, alg: string, key: Parameters<SignJWT['sign']>[0]) =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
const secret = (s: string) => new TextEncoder().encode(s);
const now = (t: TestApp) => Math.floor(t.clock.now().getTime() / 1000);
const get = (t: TestApp, url: string, headers: Record<string, string>) => t.request({ method: 'GET', url, headers });

/** The old systems' keys, each as its system keeps it. */
const KEYS = {
  hbp: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
  // HumHub's REST module: Yii's generateRandomString(86).
  humhub: randomBytes(64).toString('base64url').slice(0, 86),
  privacyidea: randomBytes(24).toString('hex'),
  datarhei: randomBytes(16).toString('base64url'),
};

/** Each replaced system with one user: HBP (PostgreSQL), HumHub (MariaDB), privacyIDEA (PostgreSQL), Core. */
async function sources(dir: string) {
  const hbp = await createTestDatabase();
  const c = new pg.Client({ connectionString: hbp.url });
  await c.connect();
  await c.query(await readFile(path.join(FIXTURES, 'hbp-schema.sql'), 'utf8'));
  const ada = randomUUID();
  await c.query('insert into public.users (id, display_name) values ($1, $2)', [ada, 'Ada']);
  await c.query(
    `insert into auth.accounts (id, user_id, active, email, password_hash, default_role, is_anonymous)
     values ($1, $2, true, 'ada@example.org', $3, 'user', false)`,
    [randomUUID(), ada, await bcrypt('ada password', 4)],
  );
  await c.end();

  const pi = await createTestDatabase();
  const p = new pg.Client({ connectionString: pi.url });
  await p.connect();
  await p.query(`create table admin (username varchar(120) primary key, password varchar(255), email varchar(255));
    create table realm (id serial primary key, name varchar(255) unique not null, "default" boolean, option varchar(40));
    insert into admin (username, password, email) values ('superuser', null, 'super@example.org')`);
  await p.end();

  const name = `humhub_keys_${randomBytes(5).toString('hex')}`;
  const m = await mysql.createConnection({ uri: MARIADB, multipleStatements: true });
  await m.query(`create database ${name}; use ${name}`);
  await m.query(await readFile(path.join(FIXTURES, 'humhub-schema.sql'), 'utf8'));
  await m.query(
    `insert into user (id, guid, status, username, email, created_at) values (17, ?, 1, 'hanna', 'hanna@example.org',
     now())`,
    [randomUUID()],
  );
  // The REST module's settings, as JwtAuthForm::saveSettings() leaves them (jwtExpire 0: tokens without exp).
  await m.query(
    "insert into setting (name, value, module_id) values ('jwtKey', ?, 'rest'), ('jwtExpire', '0', 'rest')",
    [KEYS.humhub],
  );
  await m.end();

  const core = path.join(dir, 'config.json');
  const auth = { enable: true, username: 'operator', password: 'core password', jwt: { secret: KEYS.datarhei } };
  await writeFile(core, JSON.stringify({ api: { auth } }));
  return {
    hbp,
    pi,
    ada,
    humhub: `${MARIADB}/${name}`,
    core,
    async drop() {
      await hbp.drop();
      await pi.drop();
      const c2 = await mysql.createConnection({ uri: MARIADB });
      await c2.query(`drop database if exists ${name}`);
      await c2.end();
    },
  };
}

describe.each(DATABASES)('imported signing keys on %s', (db) => {
  const app = useTestApp(db);
  let dir: string;
  let src: Awaited<ReturnType<typeof sources>>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-keys-'));
    src = await sources(dir);
  }, 60_000);
  afterAll(async () => {
    await src?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the tokens each old system issued working at its door, and ends them with the user', async () => {
    const t = app();
    t.clock.advance(Date.now() - t.clock.now().getTime());
    const iat = now(t);
    // The tokens clients hold at the switch, each made as its system makes it (read from their sources).
    const hbpToken = await sign(
      {
        [NS]: { 'x-hasura-user-id': src.ada, 'x-hasura-default-role': 'user', 'x-hasura-allowed-roles': ['user'] },
        iat,
        exp: iat + 900,
      },
      'RS256',
      (await import('node:crypto')).createPrivateKey(KEYS.hbp),
    );
    // HumHub's AuthController: {iat, iss, nbf, uid, email}, no exp when jwtExpire is 0, HS512.
    const humhubToken = await sign(
      { iat, iss: 'https://humhub.example.org', nbf: iat, uid: 17, email: 'hanna@example.org' },
      'HS512',
      secret(KEYS.humhub),
    );
    // privacyIDEA's /auth: {username, realm, nonce, role, authtype, exp, rights}, HS256 over SECRET_KEY.
    const piToken = await sign(
      {
        username: 'superuser',
        realm: '',
        nonce: randomBytes(20).toString('hex'),
        role: 'admin',
        authtype: 'password',
        exp: iat + 3600,
        rights: ['enrollTOTP'],
      },
      'HS256',
      secret(KEYS.privacyidea),
    );
    // datarhei Core's createToken: {iss, sub, usefor, iat, exp, exi, jti}, HS256.
    const core = (usefor: string, seconds: number) =>
      sign(
        { iss: 'datarhei-core', sub: 'operator', usefor, iat, exp: iat + seconds, exi: seconds, jti: randomUUID() },
        'HS256',
        secret(KEYS.datarhei),
      );
    const coreAccess = await core('access', 600);
    const coreRefresh = await core('refresh', 86_400);

    const doors = {
      hbp: () => get(t, '/auth/user', { authorization: `Bearer ${hbpToken}` }),
      humhub: () => get(t, '/api/v1/auth/current', { authorization: `Bearer ${humhubToken}` }),
      privacyidea: () => get(t, '/auth/rights', { authorization: piToken }),
      datarhei: () => get(t, '/api', { authorization: `Bearer ${coreAccess}` }),
    };

    // Without --signing-keys the old tokens stay refused, and the summary says why.
    const plain = await importWith(t, 'humhub', src.humhub);
    expect(plain.warnings).toEqual([expect.stringContaining('jwtKey is not imported (--signing-keys brings it)')]);
    expect((await doors.humhub()).statusCode).toBe(401);

    const env = { HBP_JWT_KEY: String(KEYS.hbp), HBP_JWT_ALGORITHM: 'RS256', PI_SECRET_KEY: KEYS.privacyidea };
    for (const [source, from] of [
      ['hbp', src.hbp.url],
      ['humhub', src.humhub],
      ['privacyidea', src.pi.url],
      ['datarhei', src.core],
    ] as const) {
      const summary = await importWithEnv(t, env, source, from, '--signing-keys');
      expect(summary.counts, source).toMatchObject({ keys: 1 });
      expect(summary.counts.sessions, source).toBeGreaterThanOrEqual(1);
    }
    // The import ran in another process: like a rotation made elsewhere, this instance reads the keys anew in time.
    t.clock.advanceSeconds(t.config.jwt.keyRefreshSeconds);

    expect((await doors.hbp()).json()).toMatchObject({ id: src.ada, email: 'ada@example.org' });
    expect((await doors.humhub()).json()).toMatchObject({ id: 17 });
    expect((await doors.privacyidea()).statusCode).toBe(200);
    expect((await doors.datarhei()).json()).toMatchObject({ name: 'gatehouse' });
    // Core's refresh token gets a fresh access token, bound to the same imported session.
    const refreshed = await get(t, '/api/login/refresh', { authorization: `Bearer ${coreRefresh}` });
    expect(refreshed.statusCode).toBe(200);
    const fresh = refreshed.json().access_token as string;
    expect((await get(t, '/api', { authorization: `Bearer ${fresh}` })).json()).toMatchObject({ name: 'gatehouse' });

    // Forged with another key, or made for another door's key: refused.
    const forged = await sign({ iat, uid: 17 }, 'HS512', secret(`${KEYS.humhub}x`));
    expect((await get(t, '/api/v1/auth/current', { authorization: `Bearer ${forged}` })).statusCode).toBe(401);
    const crossDoor = await sign({ iat, uid: 17 }, 'HS512', secret(KEYS.privacyidea));
    expect((await get(t, '/api/v1/auth/current', { authorization: `Bearer ${crossDoor}` })).statusCode).toBe(401);
    // A re-run changes nothing and does not revive what ended.
    const again = await importWithEnv(t, env, 'humhub', src.humhub, '--signing-keys');
    expect(again.counts).toMatchObject({ created: 0, unchanged: 1, keys: 1 });

    // Regression (revocation of imported tokens): disabling the user ends every old token of theirs at once.
    const users = t.app.services;
    const id = async (login: string) => (await users.users.findByLogin(login))!.id;
    for (const login of ['ada@example.org', 'hanna', 'superuser', 'operator'])
      await users.accounts.setDisabled(await id(login), true, CLI);
    expect((await doors.hbp()).statusCode).toBe(401);
    expect((await doors.humhub()).statusCode).toBe(401);
    expect((await doors.privacyidea()).statusCode).not.toBe(200);
    expect((await doors.datarhei()).json()).not.toHaveProperty('name');
    expect((await get(t, '/api', { authorization: `Bearer ${fresh}` })).json()).not.toHaveProperty('name');

    // Enabled again, the old tokens stay dead: their session ended with the disable, as a logout-all ends it.
    for (const login of ['ada@example.org', 'hanna']) await users.accounts.setDisabled(await id(login), false, CLI);
    expect((await doors.hbp()).statusCode).toBe(401);
    expect((await doors.humhub()).statusCode).toBe(401);
    const rerun = await importWithEnv(t, env, 'humhub', src.humhub, '--signing-keys');
    expect(rerun.counts.keys).toBe(1);
    expect((await doors.humhub()).statusCode).toBe(401);
  }, 180_000);

  it('ends old tokens on logout-all, and never signs with an imported key', async () => {
    const t = app();
    t.clock.advance(Date.now() - t.clock.now().getTime());
    const iat = now(t);
    const users = t.app.services;
    // A user HumHub gained since the first run: the re-run opens the imported session of theirs.
    const m = await mysql.createConnection({ uri: src.humhub });
    await m.query(
      "insert into user (id, guid, status, username, email, created_at) values (90, ?, 1, 'ivo', 'ivo@example.org', now())",
      [randomUUID()],
    );
    await m.end();
    await importWithEnv(t, {}, 'humhub', src.humhub, '--signing-keys');
    const ivoToken = await sign({ iat, nbf: iat, uid: 90 }, 'HS512', secret(KEYS.humhub));
    const current = (tok: string) => get(t, '/api/v1/auth/current', { authorization: `Bearer ${tok}` });
    expect((await current(ivoToken)).json()).toMatchObject({ id: 90 });

    const ivo = (await users.users.findByLogin('ivo'))!;
    await users.sessions.revokeAll(ivo.id, { actor: CLI, reason: 'logout-all' });
    expect((await current(ivoToken)).statusCode).toBe(401);

    // A token Gatehouse issues at the HumHub door is signed with its own ring, never with HumHub's key.
    const ring = await users.dialectKeys.open('humhub', 'HS512', 3600);
    const signing = await ring.current();
    expect(signing.signKey.export().toString('utf8')).not.toBe(KEYS.humhub);
  }, 120_000);
});
