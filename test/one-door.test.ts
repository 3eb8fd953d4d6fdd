import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, register, uniqueEmail, type SessionReply } from './helpers/auth.js';
import { DOORS, enableTotp, visible, type Door } from './helpers/doors.js';

// One table of policies, run against every door (6 dialects + HumHub's HTTP Basic).
const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };
const NEW_PASSWORD = 'another sturdy passphrase 43';

const ok = (door: Door, res: LightMyRequestResponse) => res.statusCode === 200 && !door.asksSecondFactor?.(res);

/** Events that must end every credential of the user, in every dialect. */
const EVENTS: [string, (t: TestApp, s: SessionReply) => Promise<unknown>][] = [
  ['disable', (t, s) => t.request({ method: 'POST', url: `/admin/users/${s.user.id}/disable`, headers: admin })],
  [
    'ban',
    (t, s) =>
      t.request({
        method: 'POST',
        url: `/admin/users/${s.user.id}/ban`,
        headers: admin,
        payload: { until: new Date(t.clock.now().getTime() + 86_400_000).toISOString() },
      }),
  ],
  ['delete', (t, s) => t.request({ method: 'DELETE', url: `/admin/users/${s.user.id}`, headers: admin })],
  [
    'admin password change',
    (t, s) =>
      t.request({
        method: 'PUT',
        url: `/admin/users/${s.user.id}/password`,
        headers: admin,
        payload: { password: NEW_PASSWORD },
      }),
  ],
  [
    'password change',
    (t, s) =>
      t.request({
        method: 'POST',
        url: '/auth/change-password',
        headers: bearer(s.jwt_token),
        payload: { old_password: PASSWORD, new_password: NEW_PASSWORD },
      }),
  ],
  [
    'password reset',
    async (t, s) => {
      const user = (await t.app.services.users.get(s.user.id))!;
      const ticket = await t.app.services.tickets.issue('password-reset', user);
      return t.request({
        method: 'POST',
        url: '/auth/change-password/change',
        payload: { ticket, new_password: NEW_PASSWORD },
      });
    },
  ],
  [
    'email change',
    (t, s) =>
      t.request({
        method: 'POST',
        url: '/auth/change-email',
        headers: bearer(s.jwt_token),
        payload: { new_email: uniqueEmail('moved') },
      }),
  ],
  [
    'logout of all sessions',
    (t, s) =>
      t.request({
        method: 'POST',
        url: '/auth/logout',
        headers: bearer(s.jwt_token),
        payload: { all: true, refresh_token: s.refresh_token },
      }),
  ],
];

describe.each(DATABASES)('one door on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_ENABLED: 'false', ADMIN_SECRET, LOST_PASSWORD_ENABLED: 'true' });

  describe.each(DOORS)('$name', (door) => {
    it('logs in by username and by email', async () => {
      const t = get();
      const s = await register(t);
      const user = (await t.app.services.users.get(s.user.id))!;
      for (const identifier of door.byUsername ? [user.email, user.username!] : [user.email]) {
        const res = await door.login(t, identifier, PASSWORD);
        expect(ok(door, res), `${identifier}: ${res.body}`).toBe(true);
        expect(await door.credential(res)(t)).toBe(200);
      }
    });

    it('asks for the second factor of an MFA user, in the door’s own form', async () => {
      const t = get();
      const s = await register(t);
      const nextCode = await enableTotp(t, s.jwt_token);
      const alone = await door.login(t, s.user.email, PASSWORD);
      expect(ok(door, alone)).toBe(false);
      if (door.name === 'hbp') expect(alone.json()).toEqual({ mfa: true, ticket: expect.any(String) });
      else if (door.name === 'hasura-auth')
        expect(alone.json()).toEqual({ session: null, mfa: { ticket: expect.stringMatching(/^mfaTotp:/) } });
      else expect(alone.statusCode).toBe(401);
      const withCode = await door.login(t, s.user.email, PASSWORD, { code: nextCode() });
      expect(ok(door, withCode), withCode.body).toBe(door.carriesCode);
      if (door.carriesCode) expect(await door.credential(withCode)(t)).toBe(200);
      const wrongCode = await door.login(t, s.user.email, PASSWORD, { code: '000000' });
      expect(ok(door, wrongCode)).toBe(false);
    });

    it('refuses disabled, banned and inactive accounts exactly as a wrong password', async () => {
      const t = get();
      const wrong = visible(await door.login(t, (await register(t)).user.email, 'not the password 1'));
      expect(wrong.status).toBe(door.name === 'humhub' ? 400 : 401);
      const disabled = await register(t);
      await t.request({ method: 'POST', url: `/admin/users/${disabled.user.id}/disable`, headers: admin });
      const banned = await register(t);
      await t.request({
        method: 'POST',
        url: `/admin/users/${banned.user.id}/ban`,
        headers: admin,
        payload: { until: '2099-01-01T00:00:00Z', reason: 'spam' },
      });
      const inactive = await t.app.services.users.create({
        email: uniqueEmail(),
        password: PASSWORD,
        roles: ['user'],
        defaultRole: 'user',
        active: false,
      });
      for (const email of [disabled.user.email, banned.user.email, inactive.email, uniqueEmail('nobody')]) {
        expect(visible(await door.login(t, email, PASSWORD)), email).toEqual(wrong);
      }
    });

    it.each(EVENTS)('ends its credentials on %s', async (event, trigger) => {
      const t = get();
      if (door.sessionless && event === 'logout of all sessions') return; // nothing to log out of: see the README
      const s = await register(t);
      const res = await door.login(t, s.user.email, PASSWORD);
      expect(ok(door, res), res.body).toBe(true);
      const use = door.credential(res);
      expect(await use(t)).toBe(200);
      await trigger(t, s);
      expect(await use(t)).toBe(401);
    });
  });

  it('ends the access token of a session at its logout, and leaves the other sessions alone', async () => {
    const t = get();
    const s = await register(t);
    const other = (await DOORS[0]!.login(t, s.user.email, PASSWORD)).json();
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/logout',
          headers: bearer(s.jwt_token),
          payload: { refresh_token: s.refresh_token },
        })
      ).statusCode,
    ).toBe(204);
    expect((await t.request({ url: '/auth/user', headers: bearer(s.jwt_token) })).statusCode).toBe(401);
    expect((await t.request({ url: '/auth/user', headers: bearer(other.jwt_token) })).statusCode).toBe(200);
  });

  it('stops a disabled admin at the admin API with a token that has not expired', async () => {
    const t = get();
    const email = uniqueEmail('admin');
    const created = await t.app.services.users.create({
      email,
      password: PASSWORD,
      roles: ['user', 'admin'],
      defaultRole: 'admin',
      active: true,
    });
    const asAdmin = bearer((await DOORS[0]!.login(t, email, PASSWORD)).json().jwt_token);
    const a = { user: created };
    expect((await t.request({ url: '/admin/users', headers: asAdmin })).statusCode).toBe(200);
    await t.request({ method: 'POST', url: `/admin/users/${a.user.id}/disable`, headers: admin });
    expect(
      (await t.request({ method: 'POST', url: `/admin/users/${a.user.id}/enable`, headers: asAdmin })).statusCode,
    ).toBe(401);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/admin/users',
          headers: asAdmin,
          payload: { email: uniqueEmail(), password: PASSWORD, roles: ['admin'] },
        })
      ).statusCode,
    ).toBe(401);
  });
});

describe.each(DATABASES)('limits shared by every door on %s', (db) => {
  const get = useTestApp(db, {
    RATE_LIMIT_AUTH_PER_IP: '5',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '3',
    RATE_LIMIT_WINDOW: '60',
  });

  it.each(DOORS.map((d) => [d.name, d] as const))(
    '%s: wrong passwords for many accounts from one IP end in 429',
    async (_name, door) => {
      const t = get();
      const ip = `10.8.${DOORS.indexOf(door)}.1`;
      for (let i = 0; i < 5; i++)
        expect((await door.login(t, uniqueEmail(), 'wrong', { ip })).statusCode).toBe(
          door.name === 'humhub' ? 400 : 401,
        );
      const limited = await door.login(t, uniqueEmail(), 'wrong', { ip });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    },
  );

  it.each(DOORS.map((d) => [d.name, d] as const))(
    '%s: wrong passwords for one account from many IPs end in 429',
    async (_name, door) => {
      const t = get();
      const user = await t.app.services.users.create({
        email: uniqueEmail(),
        password: PASSWORD,
        roles: ['user'],
        defaultRole: 'user',
        active: true,
      });
      for (let i = 0; i < 3; i++) await door.login(t, user.email, 'wrong', { ip: `10.9.${DOORS.indexOf(door)}.${i}` });
      expect((await door.login(t, user.email, PASSWORD, { ip: `10.9.${DOORS.indexOf(door)}.99` })).statusCode).toBe(
        429,
      );
    },
  );

  it('counts every door in the same window: switching doors does not reset it', async () => {
    const t = get();
    const ip = '10.10.0.1';
    for (const door of DOORS.slice(0, 5))
      expect((await door.login(t, uniqueEmail(), 'wrong', { ip })).statusCode).not.toBe(429);
    expect((await DOORS[5]!.login(t, uniqueEmail(), 'wrong', { ip })).statusCode).toBe(429);
  });
});

describe.each(DATABASES)('typed login bodies on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_ENABLED: 'false' });
  // Regression (issue 10): an object where a string belongs was a 500 on Rocket.Chat; it is a 400 in each envelope.
  it.each([
    ['/api/v1/login', { user: { $ne: null }, password: PASSWORD }],
    ['/api/v1/login', { user: 'someone', password: true }],
    ['/api/v1/login', { user: 'someone', password: PASSWORD, code: { $ne: null } }],
    ['/api/v1/login', { user: 'someone', password: PASSWORD, code: true }],
    ['/auth', { username: { $ne: null }, password: PASSWORD }],
    ['/auth', { username: 'someone', password: ['a'] }],
    ['/api/v1/auth/login', { username: { $ne: null }, password: PASSWORD }],
    ['/api/login', { username: 'someone', password: false }],
  ])('%s with %j answers 400', async (url, payload) => {
    const res = await get().request({ method: 'POST', url, payload });
    expect(res.statusCode).toBe(400);
    // The message names the wrong field, not every branch of the schema's unions.
    expect(res.body).not.toMatch(/must be null|must match a schema in anyOf/);
  });

  it.each([
    ['/api/v1/login', { user: 'someone', password: true }, 'body/password must be string'],
    ['/auth', { username: { $ne: null }, password: PASSWORD }, 'body/username must be string'],
  ])('%s with %j says %s', async (url, payload, message) => {
    expect((await get().request({ method: 'POST', url, payload })).body).toContain(message);
  });
});
