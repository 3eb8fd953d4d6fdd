import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, buildTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';
import { DOORS } from './helpers/doors.js';
import { REDIS_URL } from './helpers/redis.js';

describe.each(DATABASES)('two instances sharing Redis rate limits on %s', (db) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMIT_REDIS_URL: REDIS_URL, RATE_LIMIT_AUTH_PER_ACCOUNT: '3', RATE_LIMIT_AUTH_PER_IP: '1000' };
    [a, b] = await Promise.all([buildTestApp(db, env), buildTestApp(db, env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('counts attempts on either instance against the same per-account limit', async () => {
    const email = uniqueEmail('shared');
    const attempt = (t: TestApp) =>
      t.request({ method: 'POST', url: '/auth/login', payload: { email, password: 'wrong password' } });
    expect((await attempt(a)).statusCode).toBe(401);
    expect((await attempt(b)).statusCode).toBe(401);
    expect((await attempt(a)).statusCode).toBe(401);
    const limited = await attempt(b);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

// Several instances share one PostgreSQL: a revocation made on one holds on the other within SESSION_CHECK_CACHE_MS.
describe('revocation across two instances sharing PostgreSQL and Redis', () => {
  const ADMIN_SECRET = 'an admin secret of at least 32 characters';
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // Several instances share their secrets, as the README's deployment section says they must.
    const shared = {
      RATE_LIMIT_REDIS_URL: REDIS_URL,
      ADMIN_SECRET,
      JWT_KEY: 'a shared HMAC key of at least thirty-two characters',
      COOKIE_SECRET: 'a shared cookie secret of at least 32 characters',
    };
    a = await buildTestApp('postgres', shared);
    // The second instance joins the first one's database, as a load-balanced deployment does.
    b = await buildTestApp('postgres', {
      ...shared,
      DATABASE_URL: a.config.database.kind === 'postgres' ? a.config.database.url : undefined,
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it.each(DOORS.map((d) => [d.name, d] as const))(
    '%s: a credential used on one instance stops there within a second of a disable on the other',
    async (_name, door) => {
      const email = uniqueEmail('shared');
      await a.app.services.users.create({
        email,
        password: PASSWORD,
        roles: ['user'],
        defaultRole: 'user',
        active: true,
      });
      const res = await door.login(a, email, PASSWORD);
      expect(res.statusCode, res.body).toBe(200);
      const use = door.credential(res);
      expect(await use(b)).toBe(200); // read (and cached) on b
      const user = (await a.app.services.users.findByEmail(email))!;
      expect(
        (
          await a.request({
            method: 'POST',
            url: `/admin/users/${user.id}/disable`,
            headers: { 'x-admin-secret': ADMIN_SECRET },
          })
        ).statusCode,
      ).toBe(204);
      expect(await use(a)).toBe(401); // at once where it happened
      // The stated bound is SESSION_CHECK_CACHE_MS (1 s); the poll allows half a second for the requests themselves.
      await expect.poll(() => use(b), { timeout: 1500, interval: 100 }).toBe(401);
    },
  );
});

// Downloads trust what an instance read of a file for STORAGE_METADATA_CACHE_MS (issue 12): a change
// made on one instance holds there at once, and on the other within that bound.
describe('storage across two instances sharing PostgreSQL and a data folder', () => {
  const ADMIN_SECRET = 'an admin secret of at least 32 characters';
  const admin = { 'x-admin-secret': ADMIN_SECRET };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const shared = { ADMIN_SECRET, COOKIE_SECRET: 'a shared cookie secret of at least 32 characters' };
    a = await buildTestApp('postgres', shared);
    b = await buildTestApp('postgres', {
      ...shared,
      DATABASE_URL: a.config.database.kind === 'postgres' ? a.config.database.url : undefined,
      DATA_DIR: a.config.dataDir,
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const put = (t: TestApp, key: string, body: string) =>
    t.request({
      method: 'POST',
      url: `/storage/o/${key}`,
      payload: body,
      headers: { ...admin, 'content-type': 'text/plain' },
    });
  const read = (t: TestApp, url: string, headers: Record<string, string> = admin) => t.request({ url, headers });
  const BOUND = { timeout: 1500, interval: 100 }; // STORAGE_METADATA_CACHE_MS (1 s) and half a second for the requests

  it('a new file is served everywhere at once; a replace or delete holds on the other instance within the bound', async () => {
    const url = '/storage/o/scale/notes.txt';
    expect((await read(b, url)).statusCode).toBe(404);
    expect((await put(a, 'scale/notes.txt', 'one')).statusCode).toBe(200);
    expect((await read(b, url)).body).toBe('one'); // an unknown key is never remembered
    expect((await put(a, 'scale/notes.txt', 'two')).statusCode).toBe(200);
    expect((await read(a, url)).body).toBe('two');
    await expect.poll(async () => (await read(b, url)).body, BOUND).toBe('two');
    expect((await a.request({ method: 'DELETE', url, headers: admin })).statusCode).toBe(204);
    expect((await read(a, url)).statusCode).toBe(404);
    await expect.poll(async () => (await read(b, url)).statusCode, BOUND).toBe(404);
  });

  it('a rotated read token stops at once on the instance that rotated it, and on the other within the bound', async () => {
    expect((await put(a, 'scale/shared.txt', 'shared')).statusCode).toBe(200);
    const { token } = (await read(a, '/storage/m/scale/shared.txt')).json().Metadata;
    const withToken = (t: TestApp) => read(t, `/storage/o/scale/shared.txt?token=${token}`, {});
    expect((await withToken(b)).statusCode).toBe(200);
    expect((await a.request({ method: 'DELETE', url: '/storage/m/scale/shared.txt', headers: admin })).statusCode).toBe(
      200,
    );
    expect((await withToken(a)).statusCode).toBe(404);
    await expect.poll(async () => (await withToken(b)).statusCode, BOUND).toBe(404);
  });
});
