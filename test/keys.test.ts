import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { TestClock } from './helpers/clock.js';
import { PASSWORD, bearer, headerOf, login, register, uniqueEmail } from './helpers/auth.js';
import { type Cluster, startInstances } from './helpers/instances.js';

const ADMIN_SECRET = 'an-admin-secret-long-enough-for-the-check-0123';
const admin = { 'x-admin-secret': ADMIN_SECRET };

const rotate = (t: Pick<TestApp, 'app'>) => t.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: admin });
const me = (t: Pick<TestApp, 'app'>, jwt: string) => t.app.inject({ url: '/auth/user', headers: bearer(jwt) });

describe.each(DATABASES)('signing keys in the database on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, JWT_ALGORITHM: 'RS256' });

  it('signs with a new kid after a rotation and keeps verifying tokens signed before it', async () => {
    const t = get();
    const before = await register(t);
    const oldKid = headerOf(before.jwt_token).kid;

    const res = await t.request({ method: 'POST', url: '/admin/keys/rotate', headers: admin });
    expect(res.statusCode).toBe(200);
    const rotated = res.json();
    expect(rotated).toEqual({
      kid: expect.any(String),
      algorithm: 'RS256',
      retired: [oldKid],
      dialects: expect.any(Array),
    });
    expect(rotated.kid).not.toBe(oldKid);

    expect((await me(t, before.jwt_token)).statusCode).toBe(200);
    const after = (await login(t, before.user.email)).json();
    expect(headerOf(after.jwt_token).kid).toBe(rotated.kid);
    expect((await me(t, after.jwt_token)).statusCode).toBe(200);
  });

  it('publishes every live public key at /auth/jwks, and a JOSE client verifies both generations', async () => {
    const t = get();
    const old = await register(t);
    const { kid } = (await rotate(t)).json();
    const fresh = (await login(t, old.user.email)).json();
    const jwks = (await t.request({ url: '/auth/jwks' })).json();
    expect(jwks.keys[0]).toMatchObject({ kid, alg: 'RS256', use: 'sig', kty: 'RSA' });
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(headerOf(old.jwt_token).kid);
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
    const keySet = createLocalJWKSet(jwks);
    for (const token of [old.jwt_token, fresh.jwt_token]) {
      const { payload } = await jwtVerify(token, keySet, { issuer: 'gatehouse', currentDate: t.clock.now() });
      expect(payload.sub).toBe(old.user.id);
    }
  });

  it('stops accepting the retired key once every token it signed has expired', async () => {
    const t = get();
    const old = await register(t);
    const oldKid = headerOf(old.jwt_token).kid;
    await rotate(t);
    t.clock.advance((t.config.jwt.expiresInMinutes + 2) * 60_000);
    const jwks = (await t.request({ url: '/auth/jwks' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).not.toContain(oldKid);
    expect((await me(t, old.jwt_token)).statusCode).toBe(401);
  });

  it('audits each rotation with its actor', async () => {
    const t = get();
    const { kid, dialects } = (await rotate(t)).json();
    const { entries } = (
      await t.request({ url: `/admin/audit?action=keys.rotate&limit=${1 + dialects.length}`, headers: admin })
    ).json();
    expect(entries.find((e: { subject: string }) => e.subject === kid)).toMatchObject({
      actor: 'admin-secret',
      action: 'keys.rotate',
      subject: kid,
      outcome: 'success',
      ip: '127.0.0.1',
    });
    for (const d of dialects)
      expect(entries.find((e: { subject: string }) => e.subject === d.kid)).toMatchObject({
        actor: 'admin-secret',
        outcome: 'success',
        detail: { ring: expect.stringMatching(new RegExp(`^${d.ring}:HS`)) },
      });
  });

  it('refuses a rotation without admin rights', async () => {
    const t = get();
    expect((await t.request({ method: 'POST', url: '/admin/keys/rotate' })).statusCode).toBe(401);
    const { jwt_token } = await register(t);
    expect(
      (await t.request({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(jwt_token) })).statusCode,
    ).toBe(403);
  });
});

describe.each(DATABASES)('key rotation across instances on %s', (db) => {
  let cluster: Cluster<TestClock>;
  beforeAll(async () => {
    cluster = await startInstances(db, 2, { ADMIN_SECRET });
  });
  afterAll(() => cluster?.close());

  it('shares one key from the start, and another instance sees a rotation within a minute', async () => {
    const [a, b] = [cluster.apps[0]!, cluster.apps[1]!];
    const email = uniqueEmail('keys');
    const registered = await a.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password: PASSWORD },
    });
    const first = registered.json().jwt_token as string;
    expect((await me(b, first)).statusCode).toBe(200);

    const { kid } = (await rotate(a)).json();
    const fromA = (
      await a.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } })
    ).json().jwt_token as string;
    expect(headerOf(fromA).kid).toBe(kid);
    // B has never seen this kid: it reads the table again at once instead of refusing the token.
    expect((await me(b, fromA)).statusCode).toBe(200);
    expect((await me(b, first)).statusCode).toBe(200);

    b.clock.advanceSeconds(31);
    a.clock.advanceSeconds(31);
    const fromB = (
      await b.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } })
    ).json().jwt_token as string;
    expect(headerOf(fromB).kid).toBe(kid);
    expect((await me(a, fromB)).statusCode).toBe(200);
  });
});

describe.each(DATABASES)('keys set by the operator on %s', (db) => {
  const pem = () =>
    generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
  const oldKey = pem();
  const newKey = pem();

  it('refuses `keys rotate` with a message saying how to rotate, and verifies JWT_PREVIOUS_KEYS', async () => {
    const cluster = await startInstances(db, 1, { ADMIN_SECRET, JWT_ALGORITHM: 'ES256', JWT_KEY: oldKey });
    const email = uniqueEmail('operator');
    let oldToken: string;
    try {
      const { app } = cluster.apps[0]!;
      oldToken = (
        await app.inject({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } })
      ).json().jwt_token;
      const humhubKid = async () =>
        headerOf(
          (
            await app.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              payload: { username: email, password: PASSWORD },
            })
          ).json().auth_token,
        ).kid;
      const before = await humhubKid();
      const refused = await rotate({ app });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({
        code: 'keys-managed-by-operator',
        message: expect.stringContaining('JWT_PREVIOUS_KEYS'),
      });
      // Refused as a whole: the dialects' keys did not change either, until asked for alone.
      expect(await humhubKid()).toBe(before);
      const dialectsOnly = await app.inject({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: admin,
        payload: { keys: 'dialects' },
      });
      expect(dialectsOnly.statusCode).toBe(200);
      expect(dialectsOnly.json().kid).toBeUndefined();
      expect(dialectsOnly.json().dialects).toContainEqual({
        ring: 'humhub',
        kid: await humhubKid(),
        retired: [before],
      });

      // The same database, restarted with the new key and the old one as previous.
      const url = app.services.config.database;
      const dataDir = app.services.config.dataDir;
      const cookie = app.services.config.cookies.secret!;
      await app.close();
      const base = {
        DATA_DIR: dataDir,
        DATABASE_URL: url.kind === 'postgres' ? url.url : `sqlite:${url.file}`,
        COOKIE_SECRET: cookie,
        JWT_ALGORITHM: 'ES256',
        JWT_KEY: newKey,
        LOG_LEVEL: 'silent',
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_ITERATIONS: '1',
      };
      const rotated = await buildApp(loadConfig({ ...base, JWT_PREVIOUS_KEYS: oldKey }), { clock: new TestClock() });
      try {
        expect((await me({ app: rotated }, oldToken)).statusCode).toBe(200);
        const fresh = (
          await rotated.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } })
        ).json().jwt_token;
        expect(headerOf(fresh).kid).not.toBe(headerOf(oldToken).kid);
        expect((await rotated.inject({ url: '/auth/jwks' })).json().keys).toHaveLength(2);
      } finally {
        await rotated.close();
      }
      const withoutPrevious = await buildApp(loadConfig(base), { clock: new TestClock() });
      try {
        expect((await me({ app: withoutPrevious }, oldToken)).statusCode).toBe(401);
      } finally {
        await withoutPrevious.close();
      }
    } finally {
      cluster.apps.length = 0;
      await cluster.close();
    }
  });
});

describe.each(DATABASES)("the dialects' JWT keys on %s", (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, PRIVACYIDEA_JWT_MINUTES: '60' });
  const rotateDialects = (t: TestApp) =>
    t.request({ method: 'POST', url: '/admin/keys/rotate', headers: admin, payload: { keys: 'dialects' } });

  it('rotates every dialect ring: new tokens name the new key, tokens signed before keep working', async () => {
    const t = get();
    const { user } = await register(t);
    const humhub = (
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: user.email, password: PASSWORD },
      })
    ).json().auth_token as string;
    const datarhei = (
      await t.request({ method: 'POST', url: '/api/login', payload: { username: user.email, password: PASSWORD } })
    ).json().access_token as string;
    const pi = (
      await t.request({ method: 'POST', url: '/auth', payload: { username: user.email, password: PASSWORD } })
    ).json().result.value.token as string;

    const res = await rotateDialects(t);
    expect(res.statusCode).toBe(200);
    const rings = Object.fromEntries(
      (res.json().dialects as { ring: string; kid: string; retired: string[] }[]).map((d) => [d.ring, d]),
    );
    expect(Object.keys(rings).sort()).toEqual(['datarhei', 'humhub', 'privacyidea']);
    expect(rings.humhub!.retired).toEqual([headerOf(humhub).kid]);
    expect(rings.datarhei!.retired).toEqual([headerOf(datarhei).kid]);
    expect(rings.privacyidea!.retired).toEqual([headerOf(pi).kid]);
    // The access tokens' key was not asked for.
    expect(res.json().kid).toBeUndefined();

    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(humhub) })).statusCode).toBe(200);
    // datarhei's /api answers its full description only to a valid access token.
    expect((await t.request({ url: '/api', headers: bearer(datarhei) })).json().name).toBe('gatehouse');
    expect((await t.request({ url: '/auth/rights', headers: { authorization: pi } })).json().result.status).toBe(true);

    const fresh = (
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: user.email, password: PASSWORD },
      })
    ).json().auth_token as string;
    expect(headerOf(fresh)).toMatchObject({ alg: 'HS512', kid: rings.humhub!.kid });
    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(fresh) })).statusCode).toBe(200);
  });

  it('accepts a key from before the rings (no kid) only until a rotation retires it and its tokens expire', async () => {
    const t = get();
    // Signed with the key privacyIDEA used before it had a ring: the role is checked, so the signature was accepted.
    const forged = await new SignJWT({ role: 'root' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1y')
      .sign(createSecretKey(t.app.services.secret('privacyidea-jwt')));
    const code = async () =>
      (await t.request({ url: '/auth/rights', headers: { authorization: forged } })).json().result.error.code;
    expect(await code()).toBe(4306);
    await rotateDialects(t);
    expect(await code()).toBe(4306);
    t.clock.advance(62 * 60_000);
    // Whoever kept the old key can no longer sign anything the server accepts.
    expect(await code()).toBe(4304);
  });

  it('refuses a token signed by one dialect in another', async () => {
    const t = get();
    const { user } = await register(t);
    const pi = (
      await t.request({ method: 'POST', url: '/auth', payload: { username: user.email, password: PASSWORD } })
    ).json().result.value.token as string;
    const datarhei = (
      await t.request({ method: 'POST', url: '/api/login', payload: { username: user.email, password: PASSWORD } })
    ).json().access_token as string;
    // Both are HS256 with a session: each verifies only against its own ring.
    expect(
      (await t.request({ url: '/auth/rights', headers: { authorization: datarhei } })).json().result.error.code,
    ).toBe(4304);
    expect((await t.request({ url: '/api', headers: bearer(datarhei) })).json().name).toBe('gatehouse');
    expect((await t.request({ url: '/api', headers: bearer(pi) })).json().name).toBeUndefined();
  });
});
