import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, login, register, uniqueEmail } from './helpers/auth.js';

const attempt = (
  t: TestApp,
  email: string,
  password: string,
  extra: { ip?: string; cookies?: Record<string, string> } = {},
) =>
  t.request({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password },
    remoteAddress: extra.ip ?? '10.0.0.1',
    cookies: extra.cookies,
  });

describe.each(DATABASES)('failed-login limit per account on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_ENABLED: 'false', LOGIN_MAX_FAILURES_PER_HOUR: '100' });

  it('refuses the 101st failed login in an hour, even with the right password, from an untrusted client', async () => {
    const t = get();
    const { user } = await register(t);
    for (let i = 0; i < 100; i++)
      expect((await attempt(t, user.email, `wrong guess ${i}`, { ip: `10.1.${i >> 8}.${i & 255}` })).statusCode).toBe(
        401,
      );
    const refused = await attempt(t, user.email, PASSWORD, { ip: '10.2.0.1' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'rate-limited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    t.clock.advanceSeconds(3601);
    expect((await attempt(t, user.email, PASSWORD)).statusCode).toBe(200);
  });

  it('does not lock the real user out: a device that signed in before keeps access', async () => {
    const t = get();
    const { user } = await register(t);
    const first = await attempt(t, user.email, PASSWORD);
    const device = first.cookies.find((c) => c.name === 'gatehouse_device')!;
    expect(device).toMatchObject({ httpOnly: true, path: '/auth/login' });
    for (let i = 0; i < 100; i++) await attempt(t, user.email, `attacker ${i}`);
    expect((await attempt(t, user.email, PASSWORD)).statusCode).toBe(429);
    expect((await attempt(t, user.email, PASSWORD, { cookies: { gatehouse_device: device.value } })).statusCode).toBe(
      200,
    );
    // The device cookie is bound to its account and signed.
    const other = await register(t);
    for (let i = 0; i < 100; i++) await attempt(t, other.user.email, `attacker ${i}`);
    expect(
      (await attempt(t, other.user.email, PASSWORD, { cookies: { gatehouse_device: device.value } })).statusCode,
    ).toBe(429);
    const forged = `${other.user.id}.${device.value.split('.')[1]}.bad-signature`;
    expect((await attempt(t, other.user.email, PASSWORD, { cookies: { gatehouse_device: forged } })).statusCode).toBe(
      429,
    );
  });

  it('throttles unknown emails exactly like known ones (no enumeration)', async () => {
    const t = get();
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 100; i++) expect((await attempt(t, ghost, `guess ${i}`)).statusCode).toBe(401);
    expect((await attempt(t, ghost, 'guess 101')).statusCode).toBe(429);
  });
});

describe.each(DATABASES)('rate limits on %s', (db) => {
  const get = useTestApp(db, {
    RATE_LIMIT_AUTH_PER_IP: '5',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '3',
    RATE_LIMIT_REFRESH_PER_IP: '4',
    RATE_LIMIT_REFRESH_PER_ACCOUNT: '3',
    RATE_LIMIT_WINDOW: '60',
  });

  it('limits login attempts per account across IPs, with Retry-After', async () => {
    const t = get();
    const email = uniqueEmail();
    for (let i = 0; i < 3; i++) expect((await attempt(t, email, 'x', { ip: `10.3.0.${i}` })).statusCode).toBe(401);
    const res = await attempt(t, email, 'x', { ip: '10.3.0.9' });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    t.clock.advanceSeconds(61);
    expect((await attempt(t, email, 'x', { ip: '10.3.0.9' })).statusCode).toBe(401);
  });

  it('limits logins and registrations per IP', async () => {
    const t = get();
    const ip = '10.4.0.1';
    for (let i = 0; i < 5; i++) expect((await attempt(t, uniqueEmail(), 'x', { ip })).statusCode).toBe(401);
    expect((await attempt(t, uniqueEmail(), 'x', { ip })).statusCode).toBe(429);
    const register = () =>
      t.request({
        method: 'POST',
        url: '/auth/register',
        payload: { email: uniqueEmail(), password: PASSWORD },
        remoteAddress: '10.4.0.2',
      });
    for (let i = 0; i < 5; i++) expect((await register()).statusCode).toBe(200);
    const reg = await register();
    expect(reg.statusCode).toBe(429);
    expect(reg.headers['retry-after']).toBeDefined();
    t.clock.advanceSeconds(61);
  });

  it('limits refreshes per IP and per account, and a refused refresh leaves the token usable', async () => {
    const t = get();
    const body = (
      await t.request({
        method: 'POST',
        url: '/auth/register',
        payload: { email: uniqueEmail(), password: PASSWORD },
        remoteAddress: '10.5.0.1',
      })
    ).json();
    let token = body.refresh_token as string;
    for (let i = 0; i < 3; i++) {
      const res = await t.request({ url: `/auth/token/refresh?refresh_token=${token}`, remoteAddress: `10.5.1.${i}` });
      expect(res.statusCode).toBe(200);
      token = res.json().refresh_token;
    }
    const limited = await t.request({ url: `/auth/token/refresh?refresh_token=${token}`, remoteAddress: '10.5.1.9' });
    expect(limited.statusCode).toBe(429);
    t.clock.advanceSeconds(61);
    expect(
      (await t.request({ url: `/auth/token/refresh?refresh_token=${token}`, remoteAddress: '10.5.1.9' })).statusCode,
    ).toBe(200);
    for (let i = 0; i < 4; i++)
      await t.request({ url: '/auth/token/refresh?refresh_token=nope', remoteAddress: '10.5.2.1' });
    expect(
      (await t.request({ url: '/auth/token/refresh?refresh_token=nope', remoteAddress: '10.5.2.1' })).statusCode,
    ).toBe(429);
    t.clock.advanceSeconds(61);
  });
});

describe.each(DATABASES)('request bodies and logs on %s', (db) => {
  const get = useTestApp(db);

  it('refuses a 1 MB body with 413 before any password hashing', async () => {
    const t = get();
    const work: string[] = [];
    const { hasher } = t.app.services;
    const verify = hasher.verify;
    hasher.verify = (...args) => (work.push('verify'), verify(...args));
    const huge = JSON.stringify({ email: uniqueEmail(), password: 'p'.repeat(1024 * 1024) });
    const res = await t.request({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: huge,
    });
    hasher.verify = verify;
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ statusCode: 413, code: 'payload-too-large' });
    expect(work).toEqual([]);
  });

  it('writes one log line per request and never passwords, tokens, cookies or Authorization', async () => {
    const t = get();
    const body = await register(t);
    const loginRes = await login(t, body.user.email);
    const { refresh_token } = loginRes.json();
    t.logs.length = 0;
    await t.request({
      url: `/auth/token/refresh?refresh_token=${refresh_token}`,
      headers: { cookie: `refresh_token=${refresh_token}` },
    });
    await t.request({
      url: '/auth/user?access-token=secret-in-query',
      headers: { authorization: `Bearer ${body.jwt_token}` },
    });
    await login(t, body.user.email);
    expect(t.logs).toHaveLength(3);
    const all = t.logs.join('\n');
    for (const secret of [PASSWORD, refresh_token, body.jwt_token, 'secret-in-query'])
      expect(all).not.toContain(secret);
    expect(all).toContain('[REDACTED]');
    expect(JSON.parse(t.logs[0]!)).toMatchObject({
      method: 'GET',
      status: 200,
      url: expect.stringContaining('/auth/token/refresh'),
    });
  });

  it('never answers 500 or a stack trace for malformed input', async () => {
    const t = get();
    const payloads = [
      '[]',
      '"x"',
      'null',
      '{"email":{"$gt":""},"password":"x"}',
      '{"email":"a@b.co","password":["x"]}',
      '\u0000',
    ];
    for (const payload of payloads) {
      for (const url of ['/auth/login', '/auth/register', '/auth/logout', '/auth/change-password']) {
        const res = await t.request({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
        expect(res.statusCode, `${url} ${payload}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${url} ${payload}`).toBeLessThan(500);
        expect(res.body).not.toMatch(/at .+\.(ts|js):\d+/);
      }
    }
  });
});
