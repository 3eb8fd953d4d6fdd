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
    const attempt = (t: TestApp) => t.request({ method: 'POST', url: '/auth/login', payload: { email, password: 'wrong password' } });
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
    const shared = { RATE_LIMIT_REDIS_URL: REDIS_URL, ADMIN_SECRET, JWT_KEY: 'a shared HMAC key of at least thirty-two characters', COOKIE_SECRET: 'a shared cookie secret of at least 32 characters' };
    a = await buildTestApp('postgres', shared);
    // The second instance joins the first one's database, as a load-balanced deployment does.
    b = await buildTestApp('postgres', { ...shared, DATABASE_URL: a.config.database.kind === 'postgres' ? a.config.database.url : undefined });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it.each(DOORS.map((d) => [d.name, d] as const))('%s: a credential used on one instance stops there within a second of a disable on the other', async (_name, door) => {
    const email = uniqueEmail('shared');
    await a.app.services.users.create({ email, password: PASSWORD, roles: ['user'], defaultRole: 'user', active: true });
    const res = await door.login(a, email, PASSWORD);
    expect(res.statusCode, res.body).toBe(200);
    const use = door.credential(res);
    expect(await use(b)).toBe(200); // read (and cached) on b
    const user = (await a.app.services.users.findByEmail(email))!;
    expect((await a.request({ method: 'POST', url: `/admin/users/${user.id}/disable`, headers: { 'x-admin-secret': ADMIN_SECRET } })).statusCode).toBe(204);
    expect(await use(a)).toBe(401); // at once where it happened
    // The stated bound is SESSION_CHECK_CACHE_MS (1 s); the poll allows half a second for the requests themselves.
    await expect.poll(() => use(b), { timeout: 1500, interval: 100 }).toBe(401);
  });
});
