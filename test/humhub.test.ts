import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, claimsOf, headerOf, register } from './helpers/auth.js';

const UNAUTHORIZED = {
  name: 'Unauthorized',
  message: 'Your request was made with invalid credentials.',
  code: 0,
  status: 401,
};
const hhLogin = (t: TestApp, payload: Record<string, string>, form = false) =>
  t.request({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: form ? new URLSearchParams(payload).toString() : payload,
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
  });
const current = (t: TestApp, headers: Record<string, string> = {}, query = '') =>
  t.request({ url: `/api/v1/auth/current${query}`, headers });
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

async function bearerToken(t: TestApp, userId: string, lifetimeMs: number | null = null) {
  return (await t.app.services.apiTokens.issue(userId, 'bearer', { lifetimeMs, name: 'test' })).token;
}

describe.each(DATABASES)('HumHub dialect on %s', (db) => {
  const get = useTestApp(db, {
    RATE_LIMIT_AUTH_PER_IP: '10000',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '10000',
    ALLOWED_USER_ROLES: 'user,admin',
    HUMHUB_QUERY_TOKEN: 'true',
  });

  it('logs in with JSON or a form and returns an HS512 JWT {iat, iss, nbf, uid, email, exp}', async () => {
    const t = get();
    const { user } = await register(t);
    for (const [payload, form] of [
      [{ username: user.email, password: PASSWORD }, false],
      [{ email: user.email, password: PASSWORD }, true],
    ] as const) {
      const res = await hhLogin(t, payload, form);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({
        code: 200,
        message: 'Success',
        auth_token: expect.any(String),
        expired_at: expect.any(Number),
      });
      expect(headerOf(body.auth_token).alg).toBe('HS512');
      expect(claimsOf(body.auth_token)).toEqual({
        iat: expect.any(Number),
        iss: expect.any(String),
        nbf: expect.any(Number),
        uid: user.id,
        email: user.email,
        sid: expect.any(String),
        exp: body.expired_at,
      });
    }
  });

  it('answers bad or missing credentials with 400 "Wrong username or password"', async () => {
    const t = get();
    const { user } = await register(t);
    for (const payload of [
      { username: user.email, password: 'nope nope' },
      { username: 'ghost@example.com', password: PASSWORD },
      { username: user.email },
      {},
    ]) {
      const res = await hhLogin(t, payload as Record<string, string>);
      expect([res.statusCode, res.json()]).toEqual([400, { code: 400, message: 'Wrong username or password' }]);
    }
  });

  it('authenticates /auth/current by JWT, bearer token, ?access-token= and Basic', async () => {
    const t = get();
    const { user } = await register(t, { user_data: { display_name: 'Ann Marie Example' } });
    const jwt = (await hhLogin(t, { username: user.email, password: PASSWORD })).json().auth_token;
    const token = await bearerToken(t, user.id);
    for (const [headers, query] of [
      [bearer(jwt), ''],
      [bearer(token), ''],
      [{}, `?access-token=${token}`],
      [basic(user.email, PASSWORD), ''],
    ] as const) {
      const res = await current(t, headers, query);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: expect.any(Number), // HumHub's ids are integers; the UUID is the guid
        guid: user.id,
        display_name: 'Ann Marie Example',
        url: expect.any(String),
        account: {
          id: res.json().id,
          username: user.email.split('@')[0],
          email: user.email,
          visibility: 1,
          status: 1,
          authclient: 'local',
          authclient_id: null,
        },
        profile: { firstname: 'Ann', lastname: 'Marie Example' },
      });
    }
    expect((await t.request({ method: 'HEAD', url: '/api/v1/auth/current', headers: bearer(jwt) })).statusCode).toBe(
      200,
    );
    for (const headers of [
      {},
      bearer('garbage'),
      basic(user.email, 'wrong password'),
      { authorization: 'Impersonate impersonated-nope' },
    ]) {
      const res = await current(t, headers);
      expect([res.statusCode, res.json()]).toEqual([401, UNAUTHORIZED]);
    }
  });

  it('stops a revoked or expired bearer token at once', async () => {
    const t = get();
    const { user } = await register(t);
    const { token, id } = await t.app.services.apiTokens.issue(user.id, 'bearer', { lifetimeMs: null, name: 'test' });
    await t.app.services.apiTokens.revokeById(id, { kind: 'cli', id: null });
    expect((await current(t, bearer(token))).statusCode).toBe(401);
    const short = await bearerToken(t, user.id, 60_000);
    expect((await current(t, bearer(short))).statusCode).toBe(200);
    t.clock.advanceSeconds(61);
    expect((await current(t, bearer(short))).statusCode).toBe(401);
    t.clock.advanceSeconds(-61);
  });

  it('impersonates for admins only; a new token replaces the previous one', async () => {
    const t = get();
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    const target = await register(t);
    const forbidden = await t.request({
      method: 'POST',
      url: '/api/v1/auth/impersonate',
      headers: bearer(await bearerToken(t, target.user.id)),
      payload: { userId: admin.user.id },
    });
    expect([forbidden.statusCode, forbidden.json().name]).toEqual([403, 'Forbidden']);
    const adminToken = await bearerToken(t, admin.user.id);
    const unknown = await t.request({
      method: 'POST',
      url: '/api/v1/auth/impersonate',
      headers: bearer(adminToken),
      payload: { userId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.statusCode).toBe(404);
    const first = (
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/impersonate',
        headers: bearer(adminToken),
        payload: { userId: target.user.id },
      })
    ).json();
    expect(first).toEqual({
      token: expect.stringMatching(/^impersonated-/),
      expires: Math.floor(t.clock.now().getTime() / 1000) + 30 * 60,
    });
    expect((await current(t, { authorization: `Impersonate ${first.token}` })).json().guid).toBe(target.user.id);
    // HumHub's clients name the user by its integer id.
    const numericId = (await current(t, { authorization: `Impersonate ${first.token}` })).json().id as number;
    const byNumber = (
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/impersonate',
        headers: bearer(adminToken),
        payload: { userId: numericId },
      })
    ).json();
    expect((await current(t, { authorization: `Impersonate ${byNumber.token}` })).json()).toMatchObject({
      id: numericId,
      guid: target.user.id,
    });
    const second = (
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/impersonate',
        headers: bearer(adminToken),
        payload: { userId: target.user.id },
      })
    ).json();
    expect((await current(t, { authorization: `Impersonate ${first.token}` })).statusCode).toBe(401);
    expect((await current(t, { authorization: `Impersonate ${second.token}` })).statusCode).toBe(200);
    t.clock.advanceSeconds(30 * 60 + 1);
    expect((await current(t, { authorization: `Impersonate ${second.token}` })).statusCode).toBe(401);
    t.clock.advanceSeconds(-(30 * 60 + 1));
  });

  it('refuses the tokens of other dialects', async () => {
    const t = get();
    const native = await register(t);
    expect((await current(t, bearer(native.jwt_token))).statusCode).toBe(401);
    const jwt = (await hhLogin(t, { username: native.user.email, password: PASSWORD })).json().auth_token;
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt) })).statusCode).toBe(401);
  });
});

describe.each(DATABASES)('HumHub methods for selected users on %s', (db) => {
  const get = useTestApp(db, {
    RATE_LIMIT_AUTH_PER_IP: '10000',
    HUMHUB_JWT: 'selected',
    HUMHUB_BASIC: 'selected',
    HUMHUB_QUERY_TOKEN: 'false',
  });

  it('lets only allowed users use JWT and Basic; ?access-token= is off', async () => {
    const t = get();
    const { user } = await register(t);
    const denied = await hhLogin(t, { username: user.email, password: PASSWORD });
    expect([denied.statusCode, denied.json()]).toEqual([401, { code: 401, message: 'Invalid user!' }]);
    expect((await current(t, basic(user.email, PASSWORD))).statusCode).toBe(401);
    await t.app.services.queries.apiTokens.allowMethod('jwt', user.id);
    await t.app.services.queries.apiTokens.allowMethod('basic', user.id);
    const jwt = (await hhLogin(t, { username: user.email, password: PASSWORD })).json().auth_token;
    expect((await current(t, bearer(jwt))).statusCode).toBe(200);
    expect((await current(t, basic(user.email, PASSWORD))).statusCode).toBe(200);
    await t.app.services.queries.apiTokens.disallowMethod('jwt', user.id);
    expect((await current(t, bearer(jwt))).statusCode).toBe(401);
    const token = await bearerToken(t, user.id);
    expect((await current(t, {}, `?access-token=${token}`)).statusCode).toBe(401);
  });
});

describe.each(DATABASES)('HumHub with JWT off on %s', (db) => {
  const get = useTestApp(db, { HUMHUB_JWT: 'off' });

  it('answers the JWT login with 404', async () => {
    expect((await hhLogin(get(), { username: 'a@example.com', password: 'x' })).statusCode).toBe(404);
  });
});
