import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../src/core/sessions/actor.js';
import { DATABASES, type TestApp, useTestApp } from './helpers/app.js';
import { bearer } from './helpers/auth.js';
import { importWithEnv } from './helpers/import.js';
import { createTestDatabase } from './helpers/postgres.js';

const SCHEMA = path.join(import.meta.dirname, 'fixtures/import/hasura-auth-schema.sql');
const NS = 'https://hasura.io/jwt/claims';

/**
 * An access token as hasura-auth makes one (src/utils/jwt/generate.ts): the Hasura claims in the namespace, `sub`,
 * `iat`, `exp` after AUTH_ACCESS_TOKEN_EXPIRES_IN seconds, `iss` hasura-auth, signed with HASURA_GRAPHQL_JWT_SECRET's
 * key under its type.
 */
function hasuraAuthToken(t: TestApp, userId: string, secret: string, seconds = 900) {
  const iat = Math.floor(t.clock.now().getTime() / 1000);
  return new SignJWT({
    [NS]: {
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user', 'me'],
      'x-hasura-user-id': userId,
      'x-hasura-user-is-anonymous': 'false',
    },
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + seconds)
    .setIssuer('hasura-auth')
    .sign(new TextEncoder().encode(secret));
}

async function hasuraAuthDatabase(users: { id: string; email: string }[]) {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(await readFile(SCHEMA, 'utf8'));
  for (const u of users)
    await client.query("insert into auth.users (id, locale, email, default_role) values ($1, 'en', $2, 'user')", [
      u.id,
      u.email,
    ]);
  await client.end();
  return db;
}

describe.each(DATABASES)('hasura-auth signing key import on %s', (db) => {
  const app = useTestApp(db);
  const users = [
    { id: randomUUID(), email: 'lea@example.org' },
    { id: randomUUID(), email: 'max@example.org' },
  ];
  let source: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    source = await hasuraAuthDatabase(users);
  });
  afterAll(() => source?.drop());

  it('keeps access tokens hasura-auth issued working until they expire; a sign-out or a disable ends them', async () => {
    const t = app();
    t.clock.advance(Date.now() - t.clock.now().getTime());
    const key = randomBytes(32).toString('hex');
    const env = { HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key }) };
    const [lea, max] = [await hasuraAuthToken(t, users[0]!.id, key), await hasuraAuthToken(t, users[1]!.id, key)];
    const me = (token: string) => t.request({ url: '/v1/auth/user', headers: bearer(token) });

    // Without --signing-keys the summary says the old tokens are refused, and they are.
    const plain = await importWithEnv(t, env, 'hasura-auth', source.url);
    expect(plain.warnings).toEqual([expect.stringContaining('HASURA_GRAPHQL_JWT_SECRET')]);
    expect((await me(lea)).statusCode).toBe(401);

    const summary = await importWithEnv(t, env, 'hasura-auth', source.url, '--signing-keys');
    expect(summary.counts).toMatchObject({ keys: 1, sessions: 2 });
    // The import ran in another process: this instance reads the keys anew.
    t.clock.advanceSeconds(t.config.jwt.keyRefreshSeconds);
    expect((await me(lea)).json()).toMatchObject({ id: users[0]!.id, email: 'lea@example.org' });
    expect((await t.request({ url: '/auth/user', headers: bearer(max) })).json()).toMatchObject({ id: users[1]!.id });

    // Forged with another key: refused.
    expect((await me(await hasuraAuthToken(t, users[0]!.id, `${key}x`))).statusCode).toBe(401);

    // Regression (revocation of imported tokens): a sign-out of every session, made with the old token, ends it.
    const out = await t.request({
      method: 'POST',
      url: '/v1/auth/signout',
      headers: bearer(lea),
      payload: { all: true },
    });
    expect(out.statusCode).toBe(200);
    expect((await me(lea)).statusCode).toBe(401);
    // A disabled user's old token is refused at once.
    const s = t.app.services;
    await s.accounts.setDisabled(users[1]!.id, true, CLI);
    expect((await me(max)).statusCode).toBe(401);
    await s.accounts.setDisabled(users[1]!.id, false, CLI);

    // hasura-auth's lifetime (AUTH_ACCESS_TOKEN_EXPIRES_IN, 900 s by default) ends a token not signed out.
    const fresh = await importWithEnv(t, env, 'hasura-auth', source.url, '--signing-keys');
    expect(fresh.counts.keys).toBe(1);
    t.clock.advance(901_000);
    expect((await me(max)).statusCode).toBe(401);
  }, 120_000);

  it('housekeeping forgets imported keys once their last token has expired, and keeps the others', async () => {
    const t = app();
    t.clock.advance(Date.now() - t.clock.now().getTime());
    const k = t.app.services.db.kysely;
    await sql`delete from imported_signing_keys`.execute(k);
    const noa = { id: randomUUID(), email: 'noa@example.org' };
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    await client.query("insert into auth.users (id, locale, email, default_role) values ($1, 'en', $2, 'user')", [
      noa.id,
      noa.email,
    ]);
    await client.end();
    const [short, long] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
    const secret = (key: string) => ({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key }) });
    // The default lifetime (900 s), then a key whose tokens lived two hours (AUTH_ACCESS_TOKEN_EXPIRES_IN=7200).
    await importWithEnv(t, secret(short), 'hasura-auth', source.url, '--signing-keys');
    await importWithEnv(
      t,
      { ...secret(long), AUTH_ACCESS_TOKEN_EXPIRES_IN: '7200' },
      'hasura-auth',
      source.url,
      '--signing-keys',
    );
    const keys = async () =>
      Number((await sql<{ n: number }>`select count(*) as n from imported_signing_keys`.execute(k)).rows[0]!.n);
    expect(await keys()).toBe(2);

    t.clock.advance(1_000_000); // past the first key's 900 s, within the second's 7,200
    const reports = await t.app.services.housekeeping.run();
    expect(reports.find((r) => r.table === 'imported_signing_keys')).toMatchObject({ deleted: 1, backlogSeconds: 0 });
    expect(await keys()).toBe(1);
    // The kept key still verifies (Noa came over with the re-runs: the two users above ended their sessions).
    t.clock.advanceSeconds(t.config.jwt.keyRefreshSeconds);
    const noaToken = await hasuraAuthToken(t, noa.id, long, 7200);
    expect((await t.request({ url: '/v1/auth/user', headers: bearer(noaToken) })).json()).toMatchObject({ id: noa.id });

    t.clock.advance(7_200_000);
    await t.app.services.housekeeping.run();
    expect(await keys()).toBe(0);
  }, 120_000);
});
