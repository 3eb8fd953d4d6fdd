import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { PASSWORD, bearer, claimsOf, register, uniqueEmail } from './helpers/auth.js';

const NS = 'https://hasura.io/jwt/claims';

describe.each(DATABASES)('POST /auth/register on %s', (db) => {
  const get = useTestApp(db, {
    DEFAULT_ALLOWED_USER_ROLES: 'user,me',
    ALLOWED_USER_ROLES: 'user,me,editor',
    REGISTRATION_CUSTOM_FIELDS: 'company',
  });

  it('creates an active account and returns a session in the HBP shape', async () => {
    const email = uniqueEmail();
    const res = await get().request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['jwt_expires_in', 'jwt_token', 'refresh_token', 'user']);
    expect(body.jwt_expires_in).toBe(15 * 60 * 1000);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.user).toEqual({ id: expect.any(String), email, display_name: email, avatar_url: null });
    const claims = claimsOf(body.jwt_token);
    expect(claims[NS]).toEqual({
      'x-hasura-user-id': body.user.id,
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['me', 'user'],
      'x-hasura-user-is-anonymous': 'false',
    });
  });

  it('grants requested roles that are allowed, with default_role or default_roles', async () => {
    for (const key of ['default_role', 'default_roles']) {
      const body = await register(get(), { register_options: { allowed_roles: ['user', 'editor'], [key]: 'editor' } });
      const hasura = claimsOf(body.jwt_token)[NS] as Record<string, unknown>;
      expect(hasura['x-hasura-default-role']).toBe('editor');
      expect(hasura['x-hasura-allowed-roles']).toEqual(['editor', 'user']);
    }
  });

  it('refuses roles outside ALLOWED_USER_ROLES and a default role outside the requested ones', async () => {
    const admin = await get().request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: uniqueEmail(), password: PASSWORD, register_options: { allowed_roles: ['user', 'admin'] } },
    });
    expect(admin.statusCode).toBe(400);
    expect(admin.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'role-not-allowed' });
    const outside = await get().request({
      method: 'POST',
      url: '/auth/register',
      payload: {
        email: uniqueEmail(),
        password: PASSWORD,
        register_options: { allowed_roles: ['user'], default_role: 'editor' },
      },
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().code).toBe('role-not-allowed');
  });

  it('answers 409 for an email already registered, whatever its case', async () => {
    const email = uniqueEmail();
    await register(get(), { email });
    const res = await get().request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: ` ${email.toUpperCase()} `.trim(), password: PASSWORD },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: expect.any(String),
      code: 'email-in-use',
    });
  });

  it('keeps profile fields and configured custom fields from user_data, refuses others', async () => {
    const body = await register(get(), { user_data: { display_name: 'Ann Example', locale: 'fr', company: 'ACME' } });
    expect(body.user.display_name).toBe('Ann Example');
    const me = (await get().request({ url: '/auth/user', headers: bearer(body.jwt_token) })).json();
    expect(me).toMatchObject({ display_name: 'Ann Example', locale: 'fr', metadata: { company: 'ACME' } });
    const res = await get().request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: uniqueEmail(), password: PASSWORD, user_data: { is_admin: true } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('is_admin');
  });

  it.each([
    ['too short', 'short12', 'at least 8'],
    ['too long', 'x'.repeat(257), 'at most 256'],
    ['on the common-password list', 'Password123', 'too common'],
    ['on the list whatever its case', 'QWERTYUIOP', 'too common'],
  ])('refuses a password %s', async (_label, password, message) => {
    const res = await get().request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: uniqueEmail(), password },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'weak-password', message: expect.stringContaining(message) });
  });

  it('accepts any Unicode password, counts characters not bytes, and matches NFC to NFD', async () => {
    const email = uniqueEmail();
    const composed = 'café-ñandú-🔑🔑'; // 13 characters, many more bytes
    await register(get(), { email, password: composed.normalize('NFC') });
    const res = await get().request({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password: composed.normalize('NFD') },
    });
    expect(res.statusCode).toBe(200);
  });

  it('validates the body with clear 400s', async () => {
    const cases = [
      { payload: { password: PASSWORD }, message: 'email' },
      { payload: { email: 'not-an-email', password: PASSWORD }, message: 'email' },
      { payload: { email: uniqueEmail(), password: 12345678 }, message: 'password' },
      {
        payload: { email: uniqueEmail(), password: PASSWORD, register_options: { allowed_roles: 'user' } },
        message: 'allowed_roles',
      },
    ];
    for (const c of cases) {
      const res = await get().request({ method: 'POST', url: '/auth/register', payload: c.payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation-failed', message: expect.stringContaining(c.message) });
    }
  });

  it('refuses other content types with 415 and broken JSON with 400', async () => {
    const text = await get().request({
      method: 'POST',
      url: '/auth/register',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('unsupported-media-type');
    const broken = await get().request({
      method: 'POST',
      url: '/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('invalid-json');
  });
});

describe.each(DATABASES)('registration without AUTO_ACTIVATE_NEW_USERS on %s', (db) => {
  const get = useTestApp(db, { AUTO_ACTIVATE_NEW_USERS: 'false' });

  it('creates an inactive account that gets no session and cannot log in', async () => {
    const email = uniqueEmail();
    const res = await get().request({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      jwt_token: null,
      user: { id: expect.any(String), email, display_name: email, avatar_url: null },
    });
    const login = await get().request({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
    expect(login.statusCode).toBe(401);
    expect(login.json().code).toBe('invalid-credentials');
  });
});
