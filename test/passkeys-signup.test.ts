import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register, uniqueEmail } from './helpers/auth.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';

const post = (t: TestApp, url: string, payload: object = {}, token?: string) =>
  t.request({ method: 'POST', url, payload, headers: token ? bearer(token) : {} });

/** A new account made with a passkey and no password. */
async function signUp(t: TestApp) {
  const email = uniqueEmail('passkey');
  const device = new SoftAuthenticator(t.config.passkeys.origins[0]!);
  const options = await post(t, '/auth/webauthn/signup/options', { email, user_data: { display_name: 'Ada' } });
  expect(options.statusCode, options.body).toBe(200);
  expect(options.json().user).toMatchObject({ name: email, displayName: 'Ada' });
  const credential = device.create(options.json());
  const res = await post(t, '/auth/webauthn/signup/verify', { credential, nickname: 'phone' });
  expect(res.statusCode, res.body).toBe(200);
  return { email, device, credential, session: res.json() };
}

describe.each(DATABASES)('signing up with a passkey on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('creates an account without a password, whose user handle is its id, and signs in with the passkey', async () => {
    const t = get();
    const { session, device, email } = await signUp(t);
    expect(session.user.email).toBe(email);
    expect(Buffer.from(device.credentials[0]!.userHandle, 'base64url').toString()).toBe(session.user.id);
    const options = (await post(t, '/auth/webauthn/login/options', {})).json();
    const again = await post(t, '/auth/webauthn/login/verify', { credential: device.get(options) });
    expect(again.json().user.id).toBe(session.user.id);
  });

  it('refuses a taken email, and a replayed sign-up', async () => {
    const t = get();
    const taken = await register(t);
    expect((await post(t, '/auth/webauthn/signup/options', { email: taken.user.email })).statusCode).toBe(409);
    const { credential } = await signUp(t);
    const replay = await post(t, '/auth/webauthn/signup/verify', { credential });
    expect(replay.statusCode).toBe(400);
  });

  it('never removes the last way in without confirmation', async () => {
    const t = get();
    const { session } = await signUp(t);
    const [passkey] = (await t.request({ url: '/auth/webauthn/passkeys', headers: bearer(session.jwt_token) })).json();
    const url = `/auth/webauthn/passkeys/${passkey.id}`;
    const refused = await t.request({ method: 'DELETE', url, headers: bearer(session.jwt_token) });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('last-sign-in-method');
    const confirmed = await t.request({
      method: 'DELETE',
      url: `${url}?confirm=true`,
      headers: bearer(session.jwt_token),
    });
    expect(confirmed.statusCode).toBe(204);
  });

  it('a passkey-only account: a password door tells nothing, its app password works, and it elevates with the passkey', async () => {
    const t = get();
    const { session, device, email } = await signUp(t);
    // Without a password there is nothing to prove at /auth/reauthenticate; the passkey does it.
    const stale = t.config.jwt.reauthMaxAgeMinutes * 60 + 1;
    t.clock.advanceSeconds(stale);
    const options = (await post(t, '/auth/webauthn/elevate/options', {}, session.jwt_token)).json();
    const elevated = await post(
      t,
      '/auth/webauthn/elevate/verify',
      { credential: device.get(options) },
      session.jwt_token,
    );
    expect(elevated.statusCode).toBe(204);
    const wrong = await post(t, '/api/v1/auth/login', { username: email, password: 'anything at all' });
    const unknown = await post(t, '/api/v1/auth/login', {
      username: uniqueEmail('nobody'),
      password: 'anything at all',
    });
    expect({ status: wrong.statusCode, body: wrong.json() }).toEqual({
      status: unknown.statusCode,
      body: unknown.json(),
    });
    const app = await post(t, '/auth/app-passwords', { door: 'humhub', name: 'intranet app' }, session.jwt_token);
    expect(app.statusCode).toBe(201);
    const res = await post(t, '/api/v1/auth/login', { username: email, password: app.json().password });
    expect(res.statusCode, res.body).toBe(200);
  });
});
