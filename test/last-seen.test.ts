import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD } from './helpers/auth.js';
import { DOORS, type Use } from './helpers/doors.js';

// Issue 29: "last seen" exact for every door. The bug guarded: the console's last seen was the newer of the last
// sign-in and the last HBP refresh, so a HumHub, Rocket.Chat, privacyIDEA or datarhei session used all day showed
// only its sign-in. Each door's authenticated request now stamps the user through the core, at most once a minute
// per session (so a busy session costs one write a minute); an admin's impersonation is not the user being seen.

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

let n = 0;
async function createUser(t: TestApp) {
  const username = `seen${++n}`;
  const email = `${username}@seen.test`;
  const res = await t.request({
    method: 'POST',
    url: '/admin/users',
    headers: admin,
    payload: { email, username, password: PASSWORD },
  });
  expect(res.statusCode).toBe(201);
  return { id: (res.json() as { id: string }).id, email, username };
}

const lastSeen = async (t: TestApp, id: string) => {
  const user = (await t.request({ url: `/admin/users/${id}`, headers: admin })).json() as { last_seen_at: string };
  const activity = (await t.request({ url: `/admin/users/${id}/activity`, headers: admin })).json();
  expect(activity.last_seen_at).toBe(user.last_seen_at);
  return user.last_seen_at;
};

/** Uses a credential later than its sign-in: seen now; again within the minute: unchanged; after it: seen again. */
async function expectSeen(t: TestApp, id: string, use: Use, throttled = true) {
  t.clock.advanceSeconds(120);
  expect(await use(t)).toBe(200);
  const first = t.clock.now().toISOString();
  expect(await lastSeen(t, id)).toBe(first);
  t.clock.advanceSeconds(30);
  expect(await use(t)).toBe(200);
  expect(await lastSeen(t, id)).toBe(throttled ? first : t.clock.now().toISOString());
  t.clock.advanceSeconds(31);
  expect(await use(t)).toBe(200);
  expect(await lastSeen(t, id)).toBe(t.clock.now().toISOString());
}

describe.each(DATABASES)('last seen on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_ENABLED: 'false' });

  it.each(DOORS.map((d) => [d.name, d] as const))(
    'is stamped by an authenticated request through %s',
    async (name, door) => {
      const t = get();
      const user = await createUser(t);
      expect(await lastSeen(t, user.id)).toBeNull();
      const signIn = await door.login(t, door.byUsername ? user.username : user.email, PASSWORD);
      expect(signIn.statusCode).toBe(200);
      expect(await lastSeen(t, user.id)).toBe(t.clock.now().toISOString());
      // HTTP Basic signs in on every request: each one is a sign-in, so it is not throttled.
      await expectSeen(t, user.id, door.credential(signIn), name !== 'humhub-basic');
    },
  );

  it('is stamped by an HBP refresh and a personal bearer token, not by an impersonation', async () => {
    const t = get();
    const user = await createUser(t);
    const session = (await DOORS[0]!.login(t, user.email, PASSWORD)).json() as { refresh_token: string };
    let refresh = session.refresh_token;
    await expectSeen(t, user.id, async (app) => {
      const res = await app.request({ url: `/auth/token/refresh?refresh_token=${encodeURIComponent(refresh)}` });
      refresh = res.json().refresh_token ?? refresh;
      return res.statusCode;
    });

    const pat = await t.request({
      method: 'POST',
      url: `/admin/users/${user.id}/tokens`,
      headers: admin,
      payload: { name: 'ci' },
    });
    expect(pat.statusCode).toBe(201);
    const token = pat.json().token as string;
    await expectSeen(
      t,
      user.id,
      async (app) =>
        (await app.request({ url: '/api/v1/auth/current', headers: { authorization: `Bearer ${token}` } })).statusCode,
    );

    const before = await lastSeen(t, user.id);
    t.clock.advanceSeconds(300);
    const imp = await t.request({ method: 'POST', url: `/admin/users/${user.id}/impersonate`, headers: admin });
    expect(imp.statusCode).toBe(201);
    const as = { authorization: `Impersonate ${imp.json().token}` };
    expect((await t.request({ url: '/api/v1/auth/current', headers: as })).statusCode).toBe(200);
    expect(await lastSeen(t, user.id)).toBe(before);
  });
});
