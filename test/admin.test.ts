import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register, uniqueEmail } from './helpers/auth.js';

const SECRET = 's'.repeat(40);
const asAdmin = { 'x-admin-secret': SECRET };

describe.each(DATABASES)('admin API on %s', (db) => {
  const get = useTestApp(db, {
    ADMIN_SECRET: SECRET,
    ALLOWED_USER_ROLES: 'user,admin,editor',
    RATE_LIMIT_AUTH_PER_IP: '10000',
  });
  const call = (
    t: TestApp,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
    headers: Record<string, string> = asAdmin,
  ) => t.request({ method, url: `/admin${url}`, payload, headers });

  it('is for the admin role or x-admin-secret only', async () => {
    const t = get();
    const user = await register(t);
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    expect((await call(t, 'GET', '/users', undefined, {})).statusCode).toBe(401);
    expect((await call(t, 'GET', '/users', undefined, { 'x-admin-secret': 'x'.repeat(40) })).statusCode).toBe(401);
    expect((await call(t, 'GET', '/users', undefined, bearer(user.jwt_token))).statusCode).toBe(403);
    expect((await call(t, 'GET', '/users', undefined, bearer(admin.jwt_token))).statusCode).toBe(200);
  });

  it('creates, searches, disables, enables users and sets their roles and realm', async () => {
    const t = get();
    const email = uniqueEmail('managed');
    const created = await call(t, 'POST', '/users', {
      email,
      password: PASSWORD,
      roles: ['user', 'editor'],
      default_role: 'editor',
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    expect(created.json()).toMatchObject({
      email,
      roles: ['editor', 'user'],
      default_role: 'editor',
      realm: 'default',
      active: true,
      disabled: false,
    });
    expect((await call(t, 'POST', '/users', { email, password: PASSWORD })).statusCode).toBe(409);
    expect(
      (await call(t, 'GET', `/users?search=${encodeURIComponent('managed')}`))
        .json()
        .users.map((u: { email: string }) => u.email),
    ).toContain(email);
    expect((await call(t, 'POST', `/users/${id}/disable`)).statusCode).toBe(204);
    expect((await login(t, email)).statusCode).toBe(401);
    expect((await call(t, 'POST', `/users/${id}/enable`)).statusCode).toBe(204);
    expect((await login(t, email)).statusCode).toBe(200);
    expect((await call(t, 'PUT', `/users/${id}/roles`, { roles: ['user'], default_role: 'user' })).statusCode).toBe(
      204,
    );
    expect((await call(t, 'POST', '/realms', { name: 'staff' })).statusCode).toBe(201);
    expect((await call(t, 'POST', '/realms', { name: 'staff' })).statusCode).toBe(409);
    expect((await call(t, 'GET', '/realms')).json().map((r: { name: string }) => r.name)).toEqual(['default', 'staff']);
    expect((await call(t, 'PUT', `/users/${id}/realm`, { realm: 'staff' })).statusCode).toBe(204);
    expect((await call(t, 'PUT', `/users/${id}/realm`, { realm: 'nowhere' })).statusCode).toBe(404);
    const listed = (await call(t, 'GET', `/users?search=${encodeURIComponent(email)}`)).json().users;
    expect(listed).toEqual([expect.objectContaining({ id, roles: ['user'], default_role: 'user', realm: 'staff' })]);
    expect((await call(t, 'POST', '/users/00000000-0000-4000-8000-000000000000/disable')).statusCode).toBe(404);
  });

  it('issues, lists and revokes bearer tokens; a revoked one stops at once', async () => {
    const t = get();
    const { user } = await register(t);
    const issued = await call(t, 'POST', `/users/${user.id}/tokens`, { name: 'ci', expires_in_days: 7 });
    expect(issued.statusCode).toBe(201);
    const { id, token } = issued.json();
    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(token) })).statusCode).toBe(200);
    expect((await call(t, 'GET', `/users/${user.id}/tokens`)).json()).toEqual({
      tokens: [{ id, name: 'ci', expires_at: expect.any(String), revoked: false, created_at: expect.any(String) }],
      next_cursor: null,
    });
    expect((await call(t, 'DELETE', `/tokens/${id}`)).statusCode).toBe(204);
    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(token) })).statusCode).toBe(401);
    expect((await call(t, 'DELETE', `/tokens/${id}`)).statusCode).toBe(404);
  });

  it('opens and closes methods per user', async () => {
    const t = get();
    const { user } = await register(t);
    expect((await call(t, 'PUT', `/users/${user.id}/methods/jwt`)).statusCode).toBe(204);
    expect(await t.app.services.queries.apiTokens.methodAllowed('jwt', user.id)).toBe(true);
    expect((await call(t, 'DELETE', `/users/${user.id}/methods/jwt`)).statusCode).toBe(204);
    expect(await t.app.services.queries.apiTokens.methodAllowed('jwt', user.id)).toBe(false);
    expect((await call(t, 'PUT', `/users/${user.id}/methods/telepathy`)).statusCode).toBe(400);
  });

  it('switches a method for everyone, for selected users, or off', async () => {
    const t = get();
    const { user } = await register(t);
    const hhLogin = () =>
      t.request({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.email, password: PASSWORD } });
    expect((await call(t, 'GET', '/methods')).json()).toEqual({ jwt: 'all', basic: 'all' });
    expect((await hhLogin()).statusCode).toBe(200);
    expect((await call(t, 'PUT', '/methods/jwt', { mode: 'selected' })).statusCode).toBe(204);
    expect((await hhLogin()).statusCode).toBe(401);
    await call(t, 'PUT', `/users/${user.id}/methods/jwt`);
    expect((await hhLogin()).statusCode).toBe(200);
    expect((await call(t, 'PUT', '/methods/jwt', { mode: 'off' })).statusCode).toBe(204);
    expect((await hhLogin()).statusCode).toBe(404);
    expect((await call(t, 'GET', '/methods')).json()).toEqual({ jwt: 'off', basic: 'all' });
    expect((await call(t, 'PUT', '/methods/jwt', { mode: 'sometimes' })).statusCode).toBe(400);
    await call(t, 'PUT', '/methods/jwt', { mode: 'all' });
  });
});

describe.each(DATABASES)('self-service bearer tokens on %s', (db) => {
  const get = useTestApp(db);

  it('lets users create, list and revoke their own tokens only', async () => {
    const t = get();
    const a = await register(t);
    const b = await register(t);
    const created = await t.request({
      method: 'POST',
      url: '/auth/tokens',
      headers: bearer(a.jwt_token),
      payload: { name: 'laptop' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(token) })).json().guid).toBe(a.user.id);
    expect((await t.request({ url: '/auth/tokens', headers: bearer(a.jwt_token) })).json()).toEqual([
      { id, name: 'laptop', expires_at: null, revoked: false, created_at: expect.any(String) },
    ]);
    expect(
      (await t.request({ method: 'DELETE', url: `/auth/tokens/${id}`, headers: bearer(b.jwt_token) })).statusCode,
    ).toBe(404);
    expect(
      (await t.request({ method: 'DELETE', url: `/auth/tokens/${id}`, headers: bearer(a.jwt_token) })).statusCode,
    ).toBe(204);
    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(token) })).statusCode).toBe(401);
  });
});
