import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, register, uniqueEmail } from './helpers/auth.js';

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

/** A new user, and the integer id HumHub clients know them by (HumHub login, then /auth/current). */
async function newHumhubUser(t: TestApp) {
  const email = uniqueEmail('numbered');
  const { user } = await register(t, { email, password: PASSWORD });
  const login = await t.request({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: email, password: PASSWORD },
  });
  expect(login.statusCode).toBe(200);
  const me = await t.request({
    url: '/api/v1/auth/current',
    headers: { authorization: `Bearer ${login.json().auth_token}` },
  });
  expect(me.statusCode).toBe(200);
  return { uuid: user.id, id: me.json().id as number };
}

describe.each(DATABASES)('HumHub numeric ids on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET });

  it('never hands a deleted user’s numeric id to a new user (an id a client holds names a new person)', async () => {
    const t = get();
    await newHumhubUser(t);
    const newest = await newHumhubUser(t);
    // Deleting the newest user frees the highest id: `max + 1` would give it to the next one.
    expect((await t.request({ method: 'DELETE', url: `/admin/users/${newest.uuid}`, headers: admin })).statusCode).toBe(
      204,
    );
    const next = await newHumhubUser(t);
    expect(next.id).toBeGreaterThan(newest.id);
    const gone = await t.request({ url: `/admin/users?search=numbered`, headers: admin });
    expect(gone.json().users.map((u: { numeric_id: number }) => u.numeric_id)).not.toContain(newest.id);
  });
});
