import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, claimsOf, register } from './helpers/auth.js';

const piLogin = (t: TestApp, payload: Record<string, string>, form = false) =>
  t.request({
    method: 'POST',
    url: '/auth',
    payload: form ? new URLSearchParams(payload).toString() : payload,
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
  });

const failure = (code: number, message: string) => ({
  jsonrpc: '2.0',
  id: 1,
  time: expect.any(Number),
  version: expect.any(String),
  versionnumber: expect.any(String),
  result: { status: false, error: { code, message } },
});

describe.each(DATABASES)('privacyIDEA dialect on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000', ALLOWED_USER_ROLES: 'user,admin' });

  it('logs in (JSON or form) and answers the JSON-RPC envelope with a token carrying role and rights', async () => {
    const t = get();
    const { user } = await register(t);
    for (const form of [false, true]) {
      const res = await piLogin(t, { username: user.email, password: PASSWORD }, form);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        jsonrpc: '2.0',
        id: 1,
        time: expect.any(Number),
        version: expect.any(String),
        versionnumber: expect.any(String),
      });
      expect(body.result).toMatchObject({
        status: true,
        authentication: 'ACCEPT',
        value: {
          token: expect.any(String),
          role: 'user',
          username: user.email.split('@')[0],
          realm: 'default',
          rights: expect.arrayContaining(['enroll', 'setpin']),
          menus: ['tokens'],
          logout_time: 120,
          auth: true,
        },
      });
      const claims = claimsOf(body.result.value.token);
      expect(claims).toMatchObject({
        username: user.email.split('@')[0],
        uid: user.id,
        sid: expect.any(String),
        realm: 'default',
        role: 'user',
        authtype: 'password',
        rights: body.result.value.rights,
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    }
  });

  it('gives admins the admin role; realms by field or user@realm, the field winning', async () => {
    const t = get();
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    const res = (await piLogin(t, { username: admin.user.email, password: PASSWORD })).json();
    expect(res.result.value).toMatchObject({ role: 'admin', menus: expect.arrayContaining(['users', 'config']) });
    expect(res.result.value.rights).toContain('policywrite');

    await t.app.services.realms.create('staff', { kind: 'cli', id: null });
    const { user } = await register(t);
    await t.app.services.accounts.setRealm(user.id, 'staff', { kind: 'cli', id: null });
    expect((await piLogin(t, { username: `${user.email}@staff`, password: PASSWORD })).json().result.value.realm).toBe(
      'staff',
    );
    expect(
      (await piLogin(t, { username: user.email, password: PASSWORD, realm: 'staff' })).json().result.value.realm,
    ).toBe('staff');
    // As privacyIDEA's split_user: user@<existing realm> is split even when a realm field is sent, and the field wins.
    expect(
      (await piLogin(t, { username: `${user.email}@default`, password: PASSWORD, realm: 'staff' })).json().result.value
        .realm,
    ).toBe('staff');
    expect((await piLogin(t, { username: user.email, password: PASSWORD })).json()).toEqual(
      failure(4031, 'Authentication failure. Wrong credentials'),
    ); // not in default
  });

  it('answers 4031 for wrong credentials, 4031 "Unknown realm" as privacyIDEA does, 4032 without a username', async () => {
    const t = get();
    const { user } = await register(t);
    const wrong = await piLogin(t, { username: user.email, password: 'wrong password' });
    expect([wrong.statusCode, wrong.json()]).toEqual([401, failure(4031, 'Authentication failure. Wrong credentials')]);
    // privacyIDEA names an unknown realm (realm names are not secret there; its web UIs show the message).
    expect((await piLogin(t, { username: user.email, password: PASSWORD, realm: 'nowhere' })).json()).toEqual(
      failure(4031, 'Authentication failure. Unknown realm: nowhere.'),
    );
    expect((await piLogin(t, { password: PASSWORD })).json()).toEqual(
      failure(4032, 'Authentication failure. Missing Username'),
    );
  });

  it('reads the raw token from PI-Authorization or Authorization at /auth/rights', async () => {
    const t = get();
    const { user } = await register(t);
    const token = (await piLogin(t, { username: user.email, password: PASSWORD })).json().result.value.token as string;
    for (const header of ['pi-authorization', 'authorization']) {
      const res = await t.request({ url: '/auth/rights', headers: { [header]: token } });
      expect(res.json().result).toEqual({ status: true, value: { totp: 'TOTP: Time based One Time Passwords.' } });
    }
    expect((await t.request({ url: '/auth/rights' })).json()).toEqual(
      failure(4033, 'Authentication failure. Missing Authorization header.'),
    );
    expect(
      (await t.request({ url: '/auth/rights', headers: { authorization: 'garbage' } })).json().result.error.code,
    ).toBe(4304);
    const native = await register(t);
    expect(
      (await t.request({ url: '/auth/rights', headers: { authorization: native.jwt_token } })).json().result.error.code,
    ).toBe(4304);
    t.clock.advanceSeconds(3601);
    expect((await t.request({ url: '/auth/rights', headers: { authorization: token } })).json().result.error.code).toBe(
      4305,
    );
    t.clock.advanceSeconds(-3601);
    expect((await t.request({ url: '/auth/user', headers: bearer(token) })).statusCode).toBe(401);
  });

  it('refuses a token with a role privacyIDEA does not know (4306)', async () => {
    const t = get();
    const forged = await new SignJWT({ role: 'root' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(createSecretKey(t.app.services.secret('privacyidea-jwt')));
    expect(
      (await t.request({ url: '/auth/rights', headers: { authorization: forged } })).json().result.error.code,
    ).toBe(4306);
  });
});
