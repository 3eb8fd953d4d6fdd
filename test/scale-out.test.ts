import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, buildTestApp, type TestApp } from './helpers/app.js';
import { uniqueEmail } from './helpers/auth.js';
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
