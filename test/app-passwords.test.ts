import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, register } from './helpers/auth.js';
import { DOORS, type Door } from './helpers/doors.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';

const SECRET = 's'.repeat(40);
const asAdmin = { 'x-admin-secret': SECRET };
/** The doors that carry only a password (HBP and hasura-auth, whose sessions are HBP's, carry a passkey). */
const LEGACY = DOORS.filter((d) => d.name !== 'hbp' && d.name !== 'hasura-auth');
const appDoorOf = (door: Door) => (door.name === 'humhub-basic' ? 'humhub' : door.name);

/** An account with a password and a passkey: its password alone no longer signs in anywhere. */
async function withPasskey(t: TestApp) {
  const session = await register(t);
  const device = new SoftAuthenticator(t.config.passkeys.origins[0]!);
  const options = await t.request({
    method: 'POST',
    url: '/auth/webauthn/register/options',
    headers: bearer(session.jwt_token),
  });
  const created = await t.request({
    method: 'POST',
    url: '/auth/webauthn/register/verify',
    payload: { credential: device.create(options.json()) },
    headers: bearer(session.jwt_token),
  });
  expect(created.statusCode).toBe(201);
  return session;
}

async function newAppPassword(t: TestApp, jwt: string, door: string, name = `for ${door}`) {
  const res = await t.request({
    method: 'POST',
    url: '/auth/app-passwords',
    headers: bearer(jwt),
    payload: { door, name },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; password: string; door: string };
}

const signedIn = (res: LightMyRequestResponse) => res.statusCode === 200;

describe.each(DATABASES)('app passwords on %s', (db) => {
  const get = useTestApp(db, {
    ADMIN_SECRET: SECRET,
    RATE_LIMIT_AUTH_PER_IP: '10000',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '10000',
  });

  describe.each(LEGACY)('$name', (door) => {
    it("refuses a passkey account's password naming the passkey, and takes its app password", async () => {
      const t = get();
      const s = await withPasskey(t);
      const refused = await door.login(t, s.user.email, PASSWORD);
      expect(refused.statusCode).toBe(401);
      expect(refused.body).toMatch(/passkey/i);
      expect(refused.body).toMatch(/app password/i);
      const app = await newAppPassword(t, s.jwt_token, appDoorOf(door));
      expect(app.password).toMatch(/^gh-app-[A-Za-z0-9_-]{32}$/);
      const res = await door.login(t, s.user.email, app.password);
      expect(signedIn(res), res.body).toBe(true);
      expect(await door.credential(res)(t)).toBe(200);
    });

    it('refuses an app password of another door, and one revoked (whose door sessions end with it)', async () => {
      const t = get();
      const s = await withPasskey(t);
      const other = LEGACY.find((d) => appDoorOf(d) !== appDoorOf(door))!;
      const foreign = await newAppPassword(t, s.jwt_token, appDoorOf(other));
      expect(signedIn(await door.login(t, s.user.email, foreign.password))).toBe(false);
      const app = await newAppPassword(t, s.jwt_token, appDoorOf(door));
      const before = await door.login(t, s.user.email, app.password);
      const use = door.credential(before);
      expect(await use(t)).toBe(200);
      const revoked = await t.request({
        method: 'DELETE',
        url: `/auth/app-passwords/${app.id}`,
        headers: bearer(s.jwt_token),
      });
      expect(revoked.statusCode).toBe(204);
      expect(await use(t)).toBe(401);
      expect(signedIn(await door.login(t, s.user.email, app.password))).toBe(false);
      // The HBP session that revoked it lives on: only the app password's door ended.
      expect((await t.request({ url: '/auth/user', headers: bearer(s.jwt_token) })).statusCode).toBe(200);
    });
  });

  it("takes Rocket.Chat's SHA-256 digest of an app password, as its clients send it", async () => {
    const t = get();
    const s = await withPasskey(t);
    const app = await newAppPassword(t, s.jwt_token, 'rocketchat');
    const digest = createHash('sha256').update(app.password).digest('hex');
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/login',
      payload: { user: s.user.email, password: { digest, algorithm: 'sha-256' } },
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('counts a wrong app password as a failed login, audited like any other', async () => {
    const t = get();
    const s = await withPasskey(t);
    await newAppPassword(t, s.jwt_token, 'humhub');
    const wrong = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: s.user.email, password: `gh-app-${'x'.repeat(32)}` },
    });
    expect(wrong.statusCode).toBe(400); // HumHub's answer to any wrong login
    const audit = await t.request({ url: `/admin/audit?action=login&subject=${s.user.id}`, headers: asAdmin });
    expect(audit.json().entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ door: 'humhub', outcome: 'failure' })]),
    );
  });

  it('needs a fresh proof to create one, lists them without the secret, and lets the admin revoke one', async () => {
    const t = get();
    const s = await withPasskey(t);
    const app = await newAppPassword(t, s.jwt_token, 'privacyidea', 'my phone app');
    const mine = await t.request({ url: '/auth/app-passwords', headers: bearer(s.jwt_token) });
    expect(mine.json()).toEqual([expect.objectContaining({ id: app.id, name: 'my phone app', revoked_at: null })]);
    expect(mine.body).not.toContain(app.password);
    const url = `/admin/users/${s.user.id}/app-passwords`;
    expect((await t.request({ url, headers: asAdmin })).json().app_passwords).toHaveLength(1);
    expect((await t.request({ method: 'DELETE', url: `${url}/${app.id}`, headers: asAdmin })).statusCode).toBe(204);
    expect((await t.request({ url, headers: asAdmin })).json().app_passwords[0].revoked_at).toEqual(expect.any(String));
    t.clock.advanceSeconds(t.config.jwt.reauthMaxAgeMinutes * 60 + 1);
    const stale = await t.request({
      method: 'POST',
      url: '/auth/app-passwords',
      headers: bearer(s.jwt_token),
      payload: { door: 'datarhei', name: 'late' },
    });
    expect(stale.statusCode).toBe(403);
  });
});
