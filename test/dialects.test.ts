import { describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, claimsOf, headerOf, register } from './helpers/auth.js';

const UNAUTHORIZED = { success: false, status: 'error', error: 'Unauthorized', message: 'Unauthorized' };
const rcLogin = (t: TestApp, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/api/v1/login', payload, headers });

describe.each(DATABASES)('Rocket.Chat dialect on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000', ROCKETCHAT_LOGIN_PER_IP: '1000' });

  it.each([
    ['user', (email: string) => ({ user: email, password: PASSWORD })],
    ['username', (email: string) => ({ username: email, password: PASSWORD })],
    ['email', (email: string) => ({ email, password: PASSWORD })],
    ['user.email', (email: string) => ({ user: { email }, password: PASSWORD })],
    ['user.username', (email: string) => ({ user: { username: email }, password: PASSWORD })],
  ])('logs in with the %s body shape', async (_shape, body) => {
    const t = get();
    const { user } = await register(t);
    const res = await rcLogin(t, body(user.email));
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json).toMatchObject({
      status: 'success',
      success: true,
      data: { userId: user.id, authToken: expect.any(String) },
    });
    expect(json.data.me).toMatchObject({
      _id: user.id,
      username: user.email.split('@')[0],
      emails: [{ address: user.email, verified: false }],
      status: 'online',
      active: true,
      roles: ['user'],
      settings: { preferences: {} },
      utcOffset: 0,
    });
    expect(json.data.me.avatarUrl).toEqual(expect.any(String));
  });

  it('authenticates with X-User-Id and X-Auth-Token, resumes, and logs out for good', async () => {
    const t = get();
    const { user } = await register(t);
    const { data } = (await rcLogin(t, { user: user.email, password: PASSWORD })).json();
    const auth = { 'x-user-id': data.userId, 'x-auth-token': data.authToken };
    expect((await t.request({ url: '/api/v1/me', headers: auth })).json()).toMatchObject({
      _id: user.id,
      success: true,
    });
    const resumed = await rcLogin(t, { resume: data.authToken });
    expect(resumed.json()).toMatchObject({ status: 'success', data: { userId: user.id, authToken: data.authToken } });
    expect((await t.request({ url: '/api/v1/me', headers: { ...auth, 'x-user-id': 'someone-else' } })).statusCode).toBe(
      401,
    );
    const out = await t.request({ method: 'POST', url: '/api/v1/logout', headers: auth });
    expect(out.json()).toEqual({ status: 'success', data: { message: "You've been logged out!" } });
    expect((await t.request({ url: '/api/v1/me', headers: auth })).json()).toEqual(UNAUTHORIZED);
    expect((await rcLogin(t, { resume: data.authToken })).statusCode).toBe(401);
  });

  it('stores auth tokens as SHA-256 base64 hashes that expire after 90 days', async () => {
    const t = get();
    const { user } = await register(t);
    const { data } = (await rcLogin(t, { user: user.email, password: PASSWORD })).json();
    const rows = await t.app.services.db.kysely
      .selectFrom('api_tokens')
      .select('hash')
      .where('user_id', '=', user.id)
      .execute();
    expect(rows).toEqual([{ hash: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/) }]);
    expect(rows[0]!.hash).not.toContain(data.authToken);
    t.clock.advanceSeconds(90 * 24 * 3600 + 1);
    expect((await rcLogin(t, { resume: data.authToken })).statusCode).toBe(401);
    t.clock.advanceSeconds(-(90 * 24 * 3600 + 1));
  });

  it('answers bad or missing credentials with Rocket.Chat’s 401 body', async () => {
    const t = get();
    const { user } = await register(t);
    for (const body of [
      { user: user.email, password: 'wrong password' },
      { user: 'nobody@example.com', password: PASSWORD },
      {},
      { resume: 'nope' },
    ]) {
      const res = await rcLogin(t, body);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(UNAUTHORIZED);
    }
  });

  it('asks TOTP users for a code, in the body or the x-2fa-code header', async () => {
    const t = get();
    const session = await register(t);
    const { otp_secret } = (
      await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(session.jwt_token) })
    ).json();
    await t.request({
      method: 'POST',
      url: '/auth/mfa/enable',
      headers: bearer(session.jwt_token),
      payload: { code: codeAt(otp_secret, t.clock.now().getTime()) },
    });
    t.clock.advanceSeconds(30);
    const required = await rcLogin(t, { user: session.user.email, password: PASSWORD });
    expect(required.statusCode).toBe(401);
    expect(required.json()).toEqual({
      success: false,
      status: 'error',
      error: 'totp-required',
      message: 'TOTP Required',
      details: { method: 'totp', availableMethods: ['totp'] },
    });
    const invalid = await rcLogin(t, { user: session.user.email, password: PASSWORD, code: '000000' });
    expect(invalid.json().error).toBe('totp-invalid');
    const code = codeAt(otp_secret, t.clock.now().getTime());
    expect(
      (await rcLogin(t, { user: session.user.email, password: PASSWORD }, { 'x-2fa-code': code })).statusCode,
    ).toBe(200);
    expect((await rcLogin(t, { user: session.user.email, password: PASSWORD, code })).json().error).toBe(
      'totp-invalid',
    ); // replay
  });
});

describe.each(DATABASES)('Rocket.Chat login rate limit on %s', (db) => {
  const get = useTestApp(db, { ROCKETCHAT_LOGIN_PER_IP: '3', RATE_LIMIT_WINDOW: '60' });

  it('answers 429 with X-RateLimit headers past the limit', async () => {
    const t = get();
    const first = await rcLogin(t, { user: 'a@example.com', password: 'x' });
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2' });
    await rcLogin(t, { user: 'a@example.com', password: 'x' });
    await rcLogin(t, { user: 'a@example.com', password: 'x' });
    const limited = await rcLogin(t, { user: 'a@example.com', password: 'x' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ success: false, error: expect.stringMatching(/^Error, too many requests/) });
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' });
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(t.clock.now().getTime());
  });
});

describe.each(DATABASES)('datarhei Core dialect on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000' });
  const coreLogin = (t: TestApp, payload?: unknown, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: '/api/login', payload: payload as string, headers });

  it('describes itself at /api, with more once authenticated', async () => {
    const t = get();
    const anonymous = (await t.request({ url: '/api' })).json();
    expect(anonymous).toEqual({ app: 'datarhei-core', auths: ['localjwt'], version: { number: '16.0.0' } });
    const { user } = await register(t);
    const { access_token } = (await coreLogin(t, { username: user.email, password: PASSWORD })).json();
    const authed = (await t.request({ url: '/api', headers: bearer(access_token) })).json();
    expect(authed).toMatchObject({
      app: 'datarhei-core',
      auths: ['localjwt'],
      name: expect.any(String),
      id: expect.any(String),
      created_at: expect.any(String),
      uptime_seconds: expect.any(Number),
      version: { number: '16.16.0' },
    });
  });

  it('logs in with HS256 access and refresh tokens of datarhei’s shape', async () => {
    const t = get();
    const { user } = await register(t);
    const res = await coreLogin(t, { username: user.email, password: PASSWORD });
    expect(res.statusCode).toBe(200);
    const { access_token, refresh_token } = res.json();
    expect(headerOf(access_token).alg).toBe('HS256');
    const access = claimsOf(access_token);
    expect(access).toEqual({
      iss: 'datarhei-core',
      sub: user.id,
      sid: expect.any(String),
      usefor: 'access',
      iat: expect.any(Number),
      exp: expect.any(Number),
      exi: 600,
      jti: expect.any(String),
    });
    expect((access.exp as number) - (access.iat as number)).toBe(600);
    const refresh = claimsOf(refresh_token);
    expect(refresh).toMatchObject({ usefor: 'refresh', exi: 86400 });
    expect((refresh.exp as number) - (refresh.iat as number)).toBe(86400);
  });

  it('refreshes with the refresh token only', async () => {
    const t = get();
    const { user } = await register(t);
    const { access_token, refresh_token } = (await coreLogin(t, { username: user.email, password: PASSWORD })).json();
    const res = await t.request({ url: '/api/login/refresh', headers: bearer(refresh_token) });
    expect(Object.keys(res.json())).toEqual(['access_token']);
    expect(claimsOf(res.json().access_token).usefor).toBe('access');
    const wrong = await t.request({ url: '/api/login/refresh', headers: bearer(access_token) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ code: 401, message: 'Unauthorized', details: ['Missing or invalid JWT token'] });
    t.clock.advanceSeconds(86400 + 31);
    expect((await t.request({ url: '/api/login/refresh', headers: bearer(refresh_token) })).statusCode).toBe(401);
    t.clock.advanceSeconds(-(86400 + 31));
  });

  it('answers wrong and missing credentials in datarhei’s shape', async () => {
    const t = get();
    const { user } = await register(t);
    const wrong = await coreLogin(t, { username: user.email, password: 'nope nope' });
    expect([wrong.statusCode, wrong.json()]).toEqual([
      401,
      {
        code: 401,
        message: 'Unauthorized',
        details: ['Invalid authorization credentials: invalid username or password'],
      },
    ]);
    const missing = { code: 400, message: 'Bad Request', details: ['Missing authorization credentials'] };
    for (const res of [
      await coreLogin(t, { username: user.email }),
      await coreLogin(t, 'username=a', { 'content-type': 'application/x-www-form-urlencoded' }),
      await coreLogin(t, '{oops', { 'content-type': 'application/json' }),
      await coreLogin(t),
    ]) {
      expect([res.statusCode, res.json()]).toEqual([400, missing]);
    }
  });

  it('refuses tokens of the other dialects, and theirs elsewhere', async () => {
    const t = get();
    const native = await register(t);
    // As Core: /api answers a token it does not accept with the minimal about (no id), never the full one.
    expect((await t.request({ url: '/api', headers: bearer(native.jwt_token) })).json()).not.toHaveProperty('id');
    expect((await t.request({ url: '/api/login/refresh', headers: bearer(native.jwt_token) })).statusCode).toBe(401);
    const { access_token } = (await coreLogin(t, { username: native.user.email, password: PASSWORD })).json();
    expect((await t.request({ url: '/auth/user', headers: bearer(access_token) })).statusCode).toBe(401);
  });
});

describe.each(DATABASES)('one user across dialects on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('registers through HBP and logs in through HumHub, Rocket.Chat, privacyIDEA and datarhei Core with the same password', async () => {
    const t = get();
    const { user } = await register(t);
    expect(
      (await t.request({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: PASSWORD } }))
        .statusCode,
    ).toBe(200);
    const humhub = (
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: user.email, password: PASSWORD },
      })
    ).json();
    expect(claimsOf(humhub.auth_token).uid).toBe(user.id);
    expect(
      (await t.request({ method: 'POST', url: '/auth', payload: { username: user.email, password: PASSWORD } })).json()
        .result.value.username,
    ).toBe(user.email.split('@')[0]);
    expect((await rcLogin(t, { user: user.email, password: PASSWORD })).json().data.userId).toBe(user.id);
    expect(
      claimsOf(
        (
          await t.request({ method: 'POST', url: '/api/login', payload: { username: user.email, password: PASSWORD } })
        ).json().access_token,
      ).sub,
    ).toBe(user.id);
  });
});

describe.each(DATABASES)('tokens across dialects on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('accepts each dialect’s token only where that dialect expects it', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const rc = (await rcLogin(t, { user: user.email, password: PASSWORD })).json().data.authToken as string;
    const hh = (
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: user.email, password: PASSWORD },
      })
    ).json().auth_token as string;
    const pi = (
      await t.request({ method: 'POST', url: '/auth', payload: { username: user.email, password: PASSWORD } })
    ).json().result.value.token as string;
    const core = (
      await t.request({ method: 'POST', url: '/api/login', payload: { username: user.email, password: PASSWORD } })
    ).json().access_token as string;
    const tokens = { native: jwt_token, rc, hh, pi, core };
    const accepted = async (name: keyof typeof tokens) => {
      const token = tokens[name];
      return {
        native: (await t.request({ url: '/auth/user', headers: bearer(token) })).statusCode === 200,
        humhub: (await t.request({ url: '/api/v1/auth/current', headers: bearer(token) })).statusCode === 200,
        rocketchat:
          (await t.request({ url: '/api/v1/me', headers: { 'x-user-id': user.id, 'x-auth-token': token } }))
            .statusCode === 200,
        privacyidea:
          (await t.request({ url: '/auth/rights', headers: { authorization: token } })).json().result.status === true,
        datarhei: 'id' in (await t.request({ url: '/api', headers: bearer(token) })).json(),
      };
    };
    const none = { native: false, humhub: false, rocketchat: false, privacyidea: false, datarhei: false };
    expect(await accepted('native')).toEqual({ ...none, native: true });
    expect(await accepted('hh')).toEqual({ ...none, humhub: true });
    expect(await accepted('rc')).toEqual({ ...none, rocketchat: true });
    expect(await accepted('pi')).toEqual({ ...none, privacyidea: true });
    expect(await accepted('core')).toEqual({ ...none, datarhei: true });
  });
});

describe.each(DATABASES)('DIALECTS=hbp on %s', (db) => {
  const get = useTestApp(db, { DIALECTS: 'hbp' });

  it('serves only the native API', async () => {
    expect((await get().request({ method: 'POST', url: '/api/v1/login', payload: {} })).statusCode).toBe(404);
    expect((await get().request({ url: '/api' })).statusCode).toBe(404);
    expect((await get().request({ method: 'POST', url: '/auth/login', payload: {} })).statusCode).toBe(400);
  });
});
