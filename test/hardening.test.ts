import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe.each(DATABASES)('no 5xx and only declared statuses for hostile input (%s)', (db) => {
  const get = useTestApp(db, { ALLOW_USER_SELF_DELETE: 'true', RATE_LIMIT_AUTH_PER_IP: '10000' });

  /** A user who deleted their account, with their still-unexpired access token. */
  async function deletedUser() {
    const t = get();
    const { jwt_token, user } = await register(t);
    expect((await t.request({ method: 'POST', url: '/auth/delete', headers: bearer(jwt_token) })).statusCode).toBe(204);
    return { jwt: jwt_token, id: user.id };
  }

  // Regression: these answered 500 (a TypeError, and foreign-key failures) for a deleted user.
  it.each([
    ['POST', '/auth/mfa/generate', undefined],
    ['POST', '/auth/tokens', { name: 'laptop' }],
  ] as const)("%s %s with a deleted user's token is a 401, not a 500", async (method, url, payload) => {
    const { jwt } = await deletedUser();
    const res = await get().request({ method, url, headers: bearer(jwt), payload });
    expect(res.statusCode).toBe(401);
  });

  // Regression (found by the memory-drift load): a login whose account was deleted before its session row was
  // written (a password checked, then DELETE, then the insert) failed on the foreign key with a 500.
  it('a session opened for an account deleted mid-login is refused as invalid credentials, not a 500', async () => {
    const { id } = await deletedUser();
    const opened = get().app.services.sessions.open(id, 'rocketchat', { ip: '127.0.0.1', userAgent: null }, 60_000);
    await expect(opened).rejects.toMatchObject({ status: 401, code: 'invalid-credentials' });
    // The native login opens its session with the first refresh token, in one statement.
    const native = get().app.services.refreshTokens.open(id, 'hbp', { ip: '127.0.0.1', userAgent: null });
    await expect(native).rejects.toMatchObject({ status: 401, code: 'invalid-credentials' });
  });

  it("an upload with a deleted user's token is a 401 and leaves no file", async () => {
    const { jwt, id } = await deletedUser();
    const t = get();
    const res = await t.request({
      method: 'POST',
      url: '/storage/o/public/ghost.png',
      headers: { ...bearer(jwt), 'content-type': 'image/png' },
      payload: PNG,
    });
    expect(res.statusCode).toBe(401);
    expect((await t.request({ url: '/storage/m/public/ghost.png' })).statusCode).toBe(404);
    expect((await t.request({ url: `/storage/m/user/${id}/` })).statusCode).not.toBe(500);
  });

  // Regression: multipart/form-data without a boundary answered 500, even without signing in.
  it.each([
    ['without a boundary', 'multipart/form-data', '--x\r\n'],
    [
      'that ends inside the file',
      'multipart/form-data; boundary=b',
      '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\ntruncated',
    ],
  ])('a multipart upload %s is a 400 invalid-multipart', async (_what, type, payload) => {
    const t = get();
    const { jwt_token } = await register(t);
    for (const headers of [{ 'content-type': type }, { 'content-type': type, ...bearer(jwt_token) }]) {
      const res = await t.request({ method: 'POST', url: '/storage/o/public/m.txt', headers, payload });
      expect([res.statusCode, res.json().code]).toEqual([400, 'invalid-multipart']);
    }
  });

  // Regression (found by the memory-drift load): a dialect's form body busboy cannot read answered 500.
  it.each([
    ['without a boundary', 'multipart/form-data', '--x\r\n'],
    [
      'cut inside a field',
      'multipart/form-data; boundary=b',
      '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nann',
    ],
    [
      'with a file',
      'multipart/form-data; boundary=b',
      '--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhello\r\n--b--\r\n',
    ],
  ])('a multipart form %s is no 5xx, and answered in each dialect’s envelope', async (_what, type, payload) => {
    const t = get();
    const answers = [];
    for (const url of ['/api/v1/auth/login', '/api/v1/login', '/api/v1/logout', '/auth', '/api/login']) {
      const res = await t.request({ method: 'POST', url, headers: { 'content-type': type }, payload });
      expect(res.statusCode, `${url}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
      answers.push(res.json());
    }
    const [humhub, rocketchat, logout, privacyidea, datarhei] = answers;
    expect(humhub).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
    expect(rocketchat).toMatchObject({ success: false, error: expect.any(String) });
    expect(logout).toMatchObject({ success: false, error: expect.any(String) });
    expect(privacyidea).toMatchObject({
      jsonrpc: '2.0',
      result: { status: false, error: { code: expect.any(Number) } },
    });
    expect(datarhei).toEqual({ code: 400, message: 'Bad Request', details: ['Missing authorization credentials'] });
  });

  // Regression (npm run fuzz:long): a NUL character in a login name reached PostgreSQL, which refuses it (22021): a 500.
  it('a login name with a NUL character is refused in every door, never a 500', async () => {
    const t = get();
    for (const [url, payload] of [
      ['/api/login', { username: 'a\u0000b', password: 'x' }],
      ['/api/v1/auth/login', { username: 'a\u0000b', password: 'x' }],
      ['/api/v1/login', { user: 'a\u0000b', password: 'x' }],
      ['/auth', { username: 'a\u0000b', password: 'x' }],
    ] as const) {
      const res = await t.request({ method: 'POST', url, payload });
      expect(res.statusCode, `${url}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
    }
  });

  // Regression: these statuses were answered but missing from /openapi.json (useTestApp checks every answer).
  it('declares 400 on GET /auth/activate, and invalid-json, 413 and 415 on bodiless POST routes', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    expect((await t.request({ url: '/auth/activate' })).statusCode).toBe(400);
    const post = (headers: Record<string, string>, payload: string) =>
      t.request({ method: 'POST', url: '/auth/mfa/generate', headers: { ...bearer(jwt_token), ...headers }, payload });
    expect((await post({ 'content-type': 'application/json' }, '{"oops"')).json().code).toBe('invalid-json');
    expect((await post({ 'content-type': 'text/plain' }, 'hello')).statusCode).toBe(415);
    expect(
      (await post({ 'content-type': 'application/json' }, JSON.stringify({ pad: 'x'.repeat(70_000) }))).statusCode,
    ).toBe(413);
  });
});
