import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, register } from './helpers/auth.js';
import { enableTotp } from './helpers/doors.js';

// The login pipeline's rules hold on the hasura-auth door as on every other: failure counting, account state,
// MFA tickets, and revocation from the admin API. HTTP-level, on both databases.
const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

const signIn = (t: TestApp, email: string, password: string, ip = '10.26.0.1') =>
  t.request({
    method: 'POST',
    url: '/v1/auth/signin/email-password',
    payload: { email, password },
    remoteAddress: ip,
  });

describe.each(DATABASES)('the hasura-auth door on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_ENABLED: 'false', LOGIN_MAX_FAILURES_PER_HOUR: '5' });

  it('counts wrong passwords like every door: after 5, even the right one is refused (429, its envelope)', async () => {
    const t = get();
    const { user } = await register(t);
    for (let i = 0; i < 5; i++) expect((await signIn(t, user.email, `guess ${i}`)).statusCode).toBe(401);
    const locked = await signIn(t, user.email, PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ status: 429, error: 'rate-limited' });
    expect(locked.headers['retry-after']).toBeDefined();
  });

  it('answers an unknown address exactly as a wrong password (no user enumeration)', async () => {
    const t = get();
    const { user } = await register(t);
    const wrong = await signIn(t, user.email, 'not the password', '10.26.1.1');
    const unknown = await signIn(t, 'nobody-here@example.com', 'not the password', '10.26.1.2');
    expect(unknown.statusCode).toBe(wrong.statusCode);
    expect(unknown.json()).toEqual(wrong.json());
    expect(wrong.json()).toEqual({
      status: 401,
      error: 'invalid-email-password',
      message: 'Incorrect email or password',
    });
  });

  it("ends the door's sessions when an admin disables the user, and refuses the next sign-in", async () => {
    const t = get();
    const { user } = await register(t);
    const { session } = (await signIn(t, user.email, PASSWORD, '10.26.2.1')).json();
    const me = () => t.request({ url: '/v1/auth/user', headers: bearer(session.accessToken) });
    expect((await me()).statusCode).toBe(200);
    await t.request({ method: 'POST', url: `/admin/users/${user.id}/disable`, headers: admin });
    expect((await me()).statusCode).toBe(401);
    const refresh = await t.request({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { refreshToken: session.refreshToken },
    });
    expect(refresh.json()).toMatchObject({ status: 401, error: 'invalid-refresh-token' });
    expect((await signIn(t, user.email, PASSWORD, '10.26.2.2')).statusCode).toBe(401);
  });

  it('voids an MFA ticket after 5 wrong codes (a guessed second factor)', async () => {
    const t = get();
    const s = await register(t);
    const nextCode = await enableTotp(t, s.jwt_token);
    const first = (await signIn(t, s.user.email, PASSWORD, '10.26.3.1')).json();
    expect(first).toEqual({ session: null, mfa: { ticket: expect.stringMatching(/^mfaTotp:[0-9a-f-]{36}$/) } });
    const step = (otp: string) =>
      t.request({ method: 'POST', url: '/v1/auth/signin/mfa/totp', payload: { ticket: first.mfa.ticket, otp } });
    for (let i = 0; i < 5; i++) expect((await step('000000')).json()).toMatchObject({ error: 'invalid-totp' });
    expect((await step(nextCode())).json()).toMatchObject({ status: 401, error: 'invalid-ticket' });
  });
});
