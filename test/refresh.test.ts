import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register } from './helpers/auth.js';

const refresh = (t: TestApp, token: string) =>
  t.request({ url: `/auth/token/refresh?refresh_token=${encodeURIComponent(token)}` });

describe.each(DATABASES)('refresh tokens on %s', (db) => {
  const get = useTestApp(db, { REFRESH_TOKEN_REUSE_GRACE: '10', RATE_LIMIT_REFRESH_PER_IP: '1000' });

  it('rotates: a refresh returns a new session and a new refresh token', async () => {
    const t = get();
    const first = await register(t);
    const res = await refresh(t, first.refresh_token);
    expect(res.statusCode).toBe(200);
    const next = res.json();
    expect(next.refresh_token).not.toBe(first.refresh_token);
    expect(next.jwt_token).not.toBe(first.jwt_token);
    expect(next.user).toEqual(first.user);
    expect((await t.request({ url: '/auth/user', headers: bearer(next.jwt_token) })).statusCode).toBe(200);
  });

  it('stores only SHA-256 hashes of refresh tokens', async () => {
    const t = get();
    const { refresh_token } = await register(t);
    const rows = await t.app.services.db.kysely.selectFrom('refresh_tokens').select('hash').execute();
    expect(rows.some((r) => r.hash === refresh_token)).toBe(false);
    expect(rows.every((r) => /^[A-Za-z0-9_-]{43}$/.test(r.hash))).toBe(true);
  });

  it('gives 50 concurrent refreshes of one token the same single successor', async () => {
    const t = get();
    const { refresh_token } = await register(t);
    const answers = await Promise.all(Array.from({ length: 50 }, () => refresh(t, refresh_token)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    const successors = new Set(answers.map((r) => r.json().refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect((await refresh(t, successor!)).statusCode).toBe(200);
  });

  it('gives the same successor to a reuse within the grace window (multi-tab)', async () => {
    const t = get();
    const { refresh_token } = await register(t);
    const a = (await refresh(t, refresh_token)).json().refresh_token;
    t.clock.advanceSeconds(9);
    const b = (await refresh(t, refresh_token)).json().refresh_token;
    expect(b).toBe(a);
  });

  it('revokes the whole family when a rotated token is reused after the grace window', async () => {
    const t = get();
    const { refresh_token } = await register(t);
    const successor = (await refresh(t, refresh_token)).json().refresh_token;
    t.clock.advanceSeconds(11);
    const reuse = await refresh(t, refresh_token);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().code).toBe('refresh-token-reused');
    const stolen = await refresh(t, successor);
    expect(stolen.statusCode).toBe(401);
    expect(stolen.json().code).toBe('invalid-refresh-token');
  });

  it('leaves the user’s other sessions alone when one family is revoked', async () => {
    const t = get();
    const first = await register(t);
    const other = (await login(t, first.user.email)).json();
    await refresh(t, first.refresh_token);
    t.clock.advanceSeconds(11);
    await refresh(t, first.refresh_token);
    expect((await refresh(t, other.refresh_token)).statusCode).toBe(200);
  });

  it('refuses unknown, missing and expired refresh tokens', async () => {
    const t = get();
    expect((await refresh(t, 'x'.repeat(43))).json().code).toBe('invalid-refresh-token');
    const missing = await t.request({ url: '/auth/token/refresh' });
    expect(missing.statusCode).toBe(401);
    const { refresh_token } = await register(t);
    t.clock.advanceSeconds(43200 * 60 + 1);
    expect((await refresh(t, refresh_token)).statusCode).toBe(401);
    t.clock.advanceSeconds(-(43200 * 60 + 1));
  });

  it('refuses to refresh a disabled account', async () => {
    const t = get();
    const body = await register(t);
    await t.app.services.users.setDisabled(body.user.id, true);
    expect((await refresh(t, body.refresh_token)).statusCode).toBe(401);
  });

  it('reads and rotates the refresh token from the signed cookie in cookie mode', async () => {
    const t = get();
    const { user } = await register(t);
    const loginRes = await t.request({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password: PASSWORD, cookie: true },
    });
    const cookie = loginRes.cookies.find((c) => c.name === 'refresh_token')!;
    const res = await t.request({ url: '/auth/token/refresh', cookies: { refresh_token: cookie.value } });
    expect(res.statusCode).toBe(200);
    expect(res.json().refresh_token).toBeUndefined();
    const rotated = res.cookies.find((c) => c.name === 'refresh_token')!;
    expect(rotated.value).not.toBe(cookie.value);
    const forged = await t.request({
      url: '/auth/token/refresh',
      cookies: { refresh_token: `${cookie.value.split('.')[0]}.forged` },
    });
    expect(forged.statusCode).toBe(401);
  });

  // Regression (issue 12): SQLite rotations run as one synchronous transaction on the connection
  // Kysely shares; begun while another transaction was open across an await, it would nest into
  // that one and vanish with its rollback.
  it('keeps a rotation made while another transaction is open, when that transaction rolls back', async () => {
    const t = get();
    const { refresh_token, user } = await register(t);
    let answer: ReturnType<typeof refresh> | undefined;
    const rolledBack = t.app.services.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ display_name: 'rolled back' }).where('id', '=', user.id).execute();
      answer = refresh(t, refresh_token);
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    const res = await answer!;
    expect(res.statusCode).toBe(200);
    expect((await refresh(t, res.json().refresh_token)).statusCode).toBe(200);
    const row = await t.app.services.db.kysely
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.display_name).not.toBe('rolled back');
  });

  // Rotations, who-am-I and logins use named (prepared) statements on PostgreSQL; a newer instance
  // adding a column changes the result of `users.*` under them.
  it('keeps rotating after a newer instance adds a column to users', async () => {
    const t = get();
    const sessions = await Promise.all(Array.from({ length: 12 }, () => register(t)));
    const first = await Promise.all(sessions.map((s) => refresh(t, s.refresh_token)));
    expect(first.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    await t.app.services.db.kysely.schema.alterTable('users').addColumn('added_by_a_newer_instance', 'text').execute();
    const again = await Promise.all(first.map((r) => refresh(t, r.json().refresh_token)));
    expect(again.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    const who = await Promise.all(
      again.map((r) => t.request({ url: '/auth/user', headers: bearer(r.json().jwt_token) })),
    );
    expect(who.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
  });
});

describe.each(DATABASES)('logout, revoke and change-password on %s', (db) => {
  const get = useTestApp(db);

  it('logout ends the session of the given refresh token only', async () => {
    const t = get();
    const a = await register(t);
    const b = (await login(t, a.user.email)).json();
    const res = await t.request({ method: 'POST', url: `/auth/logout?refresh_token=${a.refresh_token}` });
    expect(res.statusCode).toBe(204);
    expect((await refresh(t, a.refresh_token)).statusCode).toBe(401);
    expect((await refresh(t, b.refresh_token)).statusCode).toBe(200);
  });

  it('logout with a bearer token ends that token’s session; all: true ends every session', async () => {
    const t = get();
    const a = await register(t);
    const b = (await login(t, a.user.email)).json();
    const c = (await login(t, a.user.email)).json();
    expect(
      (await t.request({ method: 'POST', url: '/auth/logout', headers: bearer(a.jwt_token), payload: {} })).statusCode,
    ).toBe(204);
    expect((await refresh(t, a.refresh_token)).statusCode).toBe(401);
    expect((await refresh(t, b.refresh_token)).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'POST', url: '/auth/logout', headers: bearer(c.jwt_token), payload: { all: true } }))
        .statusCode,
    ).toBe(204);
    expect((await refresh(t, c.refresh_token)).statusCode).toBe(401);
  });

  it('logout without any credential is 401; with an already dead token it is 204', async () => {
    const t = get();
    expect((await t.request({ method: 'POST', url: '/auth/logout', payload: {} })).statusCode).toBe(401);
    expect((await t.request({ method: 'POST', url: '/auth/logout?refresh_token=unknown-token' })).statusCode).toBe(204);
  });

  it('POST /auth/token/revoke ends every session of the user', async () => {
    const t = get();
    const a = await register(t);
    const b = (await login(t, a.user.email)).json();
    expect(
      (await t.request({ method: 'POST', url: '/auth/token/revoke', headers: bearer(a.jwt_token) })).statusCode,
    ).toBe(204);
    expect((await refresh(t, a.refresh_token)).statusCode).toBe(401);
    expect((await refresh(t, b.refresh_token)).statusCode).toBe(401);
    expect((await t.request({ method: 'POST', url: '/auth/token/revoke' })).statusCode).toBe(401);
  });

  it('change-password checks the old password, keeps this session and ends the others', async () => {
    const t = get();
    const a = await register(t);
    const other = (await login(t, a.user.email)).json();
    const wrong = await t.request({
      method: 'POST',
      url: '/auth/change-password',
      headers: bearer(a.jwt_token),
      payload: { old_password: 'not it at all', new_password: 'a brand new passphrase' },
    });
    expect(wrong.statusCode).toBe(401);
    const weak = await t.request({
      method: 'POST',
      url: '/auth/change-password',
      headers: bearer(a.jwt_token),
      payload: { old_password: PASSWORD, new_password: 'password' },
    });
    expect(weak.statusCode).toBe(400);
    const ok = await t.request({
      method: 'POST',
      url: '/auth/change-password',
      headers: bearer(a.jwt_token),
      payload: { old_password: PASSWORD, new_password: 'a brand new passphrase' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await refresh(t, other.refresh_token)).statusCode).toBe(401);
    expect((await refresh(t, a.refresh_token)).statusCode).toBe(200);
    expect((await login(t, a.user.email)).statusCode).toBe(401);
    expect((await login(t, a.user.email, 'a brand new passphrase')).statusCode).toBe(200);
  });

  it('change-password needs a signed-in user', async () => {
    const res = await get().request({
      method: 'POST',
      url: '/auth/change-password',
      payload: { old_password: 'a', new_password: 'b' },
    });
    expect(res.statusCode).toBe(401);
  });
});
