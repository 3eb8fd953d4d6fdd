import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register } from './helpers/auth.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';

const SECRET = 's'.repeat(40);
const asAdmin = { 'x-admin-secret': SECRET };

const post = (t: TestApp, url: string, payload: object = {}, token?: string) =>
  t.request({ method: 'POST', url, payload, headers: token ? bearer(token) : {} });

/** A fresh account with one passkey on a new software authenticator. */
async function withPasskey(t: TestApp, opts: { backedUp?: boolean } = {}) {
  const session = await register(t);
  const device = new SoftAuthenticator(t.config.passkeys.origins[0]!, opts);
  const options = await post(t, '/auth/webauthn/register/options', {}, session.jwt_token);
  expect(options.statusCode).toBe(200);
  const credential = device.create(options.json());
  const created = await post(
    t,
    '/auth/webauthn/register/verify',
    { credential, nickname: 'laptop' },
    session.jwt_token,
  );
  expect(created.statusCode, created.body).toBe(201);
  return { session, device, passkey: created.json() };
}

const loginOptions = async (t: TestApp, email?: string) => {
  const res = await post(t, '/auth/webauthn/login/options', email ? { email } : {});
  expect(res.statusCode).toBe(200);
  return res.json();
};

const loginVerify = (t: TestApp, credential: object) => post(t, '/auth/webauthn/login/verify', { credential });

describe.each(DATABASES)('passkeys on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET: SECRET, RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('registers a passkey with attestation none or packed, stores its counter and backup flags', async () => {
    const t = get();
    const { session, device, passkey } = await withPasskey(t, { backedUp: true });
    expect(passkey).toMatchObject({ nickname: 'laptop', backed_up: true, device_type: 'multiDevice' });
    expect(passkey.transports).toEqual(['internal']);
    const options = await post(t, '/auth/webauthn/register/options', {}, session.jwt_token);
    expect(options.json().excludeCredentials).toEqual([expect.objectContaining({ id: passkey.credential_id })]);
    expect(options.json().attestation).toBe('none');
    const packed = device.create(options.json(), { fmt: 'packed' });
    const res = await post(t, '/auth/webauthn/register/verify', { credential: packed }, session.jwt_token);
    expect(res.statusCode, res.body).toBe(201);
    const list = await t.request({ method: 'GET', url: '/auth/webauthn/passkeys', headers: bearer(session.jwt_token) });
    expect(
      list
        .json()
        .map((p: { id: string }) => p.id)
        .sort(),
    ).toEqual([passkey.id, res.json().id].sort());
    expect(JSON.stringify(list.json())).not.toContain('public');
  });

  it('signs in without a user name (discoverable passkey), and with an email', async () => {
    const t = get();
    const { session, device } = await withPasskey(t);
    const res = await loginVerify(t, device.get(await loginOptions(t)));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user.id).toBe(session.user.id);
    expect(res.json().refresh_token).toEqual(expect.any(String));
    const options = await loginOptions(t, session.user.email);
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials).toEqual([expect.objectContaining({ id: device.credentials[0]!.id })]);
    expect((await loginVerify(t, device.get(options))).statusCode).toBe(200);
    const list = await t.request({ method: 'GET', url: '/auth/webauthn/passkeys', headers: bearer(session.jwt_token) });
    expect(list.json()[0]).toMatchObject({ last_used_at: expect.any(String) });
  });

  it('answers an unknown email with a stable stand-in credential shaped like a real one (no enumeration)', async () => {
    const t = get();
    const a = await loginOptions(t, 'nobody-here@example.com');
    const b = await loginOptions(t, 'nobody-here@example.com');
    expect(a.allowCredentials).toHaveLength(1);
    expect(a.allowCredentials).toEqual(b.allowCredentials);
    expect(a.challenge).not.toBe(b.challenge);
  });

  it('refuses an assertion from another origin (phishing site)', async () => {
    const t = get();
    const { device } = await withPasskey(t);
    const res = await loginVerify(t, device.get(await loginOptions(t), { origin: 'https://evil.example' }));
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('invalid-passkey');
  });

  it('refuses an assertion for another relying party id', async () => {
    const t = get();
    const { device } = await withPasskey(t);
    const res = await loginVerify(t, device.get(await loginOptions(t), { rpId: 'evil.example' }));
    expect(res.statusCode).toBe(401);
  });

  it('refuses a registration from another origin or for another RP id', async () => {
    const t = get();
    const session = await register(t);
    const device = new SoftAuthenticator(t.config.passkeys.origins[0]!);
    for (const tweak of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const options = (await post(t, '/auth/webauthn/register/options', {}, session.jwt_token)).json();
      const credential = device.create(options, tweak);
      const res = await post(t, '/auth/webauthn/register/verify', { credential }, session.jwt_token);
      expect(res.statusCode).toBe(401);
    }
  });

  it('refuses a replayed challenge: each is single-use', async () => {
    const t = get();
    const { device } = await withPasskey(t);
    const assertion = device.get(await loginOptions(t));
    expect((await loginVerify(t, assertion)).statusCode).toBe(200);
    const replay = await loginVerify(t, assertion);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().code).toBe('invalid-challenge');
  });

  it('refuses a challenge never issued, and one that expired', async () => {
    const t = get();
    const { device } = await withPasskey(t);
    const forged = await loginVerify(t, device.get(await loginOptions(t), { challenge: 'A'.repeat(43) }));
    expect(forged.json().code).toBe('invalid-challenge');
    const options = await loginOptions(t);
    t.clock.advanceSeconds(t.config.passkeys.challengeSeconds + 1);
    const late = await loginVerify(t, device.get(options));
    expect(late.statusCode).toBe(400);
    expect(late.json().code).toBe('invalid-challenge');
  });

  it('refuses a signature counter that goes backwards (a cloned authenticator)', async () => {
    const t = get();
    const { device } = await withPasskey(t);
    expect((await loginVerify(t, device.get(await loginOptions(t), { counter: 10 }))).statusCode).toBe(200);
    const clone = await loginVerify(t, device.get(await loginOptions(t), { counter: 5 }));
    expect(clone.statusCode).toBe(401);
    const audit = await t.request({ method: 'GET', url: '/admin/audit?action=login', headers: asAdmin });
    const reasons = audit.json().entries?.map((e: { detail?: { reason?: string } }) => e.detail?.reason);
    expect(reasons).toContain('counter-regressed');
  });

  it('refuses a passkey sign-in without user verification (the passkey is the only factor)', async () => {
    const t = get();
    const { device } = await withPasskey(t);
    const res = await loginVerify(t, device.get(await loginOptions(t), { uv: false }));
    expect(res.statusCode).toBe(401);
  });

  it('refuses a removed passkey, and a disabled user', async () => {
    const t = get();
    const { session, device, passkey } = await withPasskey(t);
    const gone = await t.request({
      method: 'DELETE',
      url: `/auth/webauthn/passkeys/${passkey.id}`,
      headers: bearer(session.jwt_token),
    });
    expect(gone.statusCode).toBe(204);
    expect((await loginVerify(t, device.get(await loginOptions(t)))).statusCode).toBe(401);

    const other = await withPasskey(t);
    const disabled = await t.request({
      method: 'POST',
      url: `/admin/users/${other.session.user.id}/disable`,
      headers: asAdmin,
    });
    expect(disabled.statusCode).toBe(204);
    expect((await loginVerify(t, other.device.get(await loginOptions(t)))).statusCode).toBe(401);
  });

  it('asks a user with a password and a passkey for the passkey after the password, like TOTP', async () => {
    const t = get();
    const { session, device } = await withPasskey(t);
    const first = await login(t, session.user.email, PASSWORD);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ mfa: true, methods: ['webauthn'] });
    const { ticket } = first.json();
    const options = await post(t, '/auth/webauthn/second-factor/options', { ticket });
    expect(options.statusCode).toBe(200);
    expect(options.json().allowCredentials).toHaveLength(1);
    // An assertion made for a sign-in cannot finish this login: the challenge is another ceremony's.
    const stray = device.get(await loginOptions(t));
    expect((await post(t, '/auth/webauthn/second-factor/verify', { ticket, credential: stray })).statusCode).toBe(400);
    const done = await post(t, '/auth/webauthn/second-factor/verify', {
      ticket,
      credential: device.get(options.json()),
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().user.id).toBe(session.user.id);
    const again = await post(t, '/auth/webauthn/second-factor/options', { ticket });
    expect(again.statusCode).toBe(401); // the ticket is spent
  });

  it('elevates a session with a fresh assertion: re-authentication for sensitive operations', async () => {
    const t = get();
    const { session, device } = await withPasskey(t);
    t.clock.advanceSeconds(t.config.jwt.reauthMaxAgeMinutes * 60 + 1);
    const token = (await loginVerify(t, device.get(await loginOptions(t)))).json().jwt_token as string;
    t.clock.advanceSeconds(t.config.jwt.reauthMaxAgeMinutes * 60 + 1);
    const stale = await post(t, '/auth/webauthn/register/options', {}, token);
    expect(stale.statusCode).toBe(403);
    const options = await post(t, '/auth/webauthn/elevate/options', {}, token);
    expect(options.json().allowCredentials).toHaveLength(1);
    // Another session's elevation challenge does not elevate this one.
    const otherOptions = await post(t, '/auth/webauthn/elevate/options', {}, session.jwt_token);
    const misbound = await post(
      t,
      '/auth/webauthn/elevate/verify',
      { credential: device.get(otherOptions.json()) },
      token,
    );
    expect(misbound.statusCode).toBe(400);
    const elevated = await post(t, '/auth/webauthn/elevate/verify', { credential: device.get(options.json()) }, token);
    expect(elevated.statusCode, elevated.body).toBe(204);
    expect((await post(t, '/auth/webauthn/register/options', {}, token)).statusCode).toBe(200);
  });

  it("refuses an elevation with another user's passkey", async () => {
    const t = get();
    const mine = await withPasskey(t);
    const theirs = await withPasskey(t);
    const options = await post(t, '/auth/webauthn/elevate/options', {}, mine.session.jwt_token);
    const credential = theirs.device.get(options.json(), { credentialId: theirs.device.credentials[0]!.id });
    const res = await post(t, '/auth/webauthn/elevate/verify', { credential }, mine.session.jwt_token);
    expect(res.statusCode).toBe(401);
  });

  it('renames and removes passkeys, only its owner', async () => {
    const t = get();
    const { session, passkey } = await withPasskey(t);
    const other = await register(t);
    const url = `/auth/webauthn/passkeys/${passkey.id}`;
    const foreign = await t.request({
      method: 'PATCH',
      url,
      payload: { nickname: 'x' },
      headers: bearer(other.jwt_token),
    });
    expect(foreign.statusCode).toBe(404);
    const renamed = await t.request({
      method: 'PATCH',
      url,
      payload: { nickname: 'phone' },
      headers: bearer(session.jwt_token),
    });
    expect(renamed.statusCode).toBe(204);
    const list = await t.request({ method: 'GET', url: '/auth/webauthn/passkeys', headers: bearer(session.jwt_token) });
    expect(list.json()[0].nickname).toBe('phone');
    expect((await t.request({ method: 'DELETE', url, headers: bearer(other.jwt_token) })).statusCode).toBe(404);
  });
});

describe.each(DATABASES)('passkeys turned off on %s', (db) => {
  const get = useTestApp(db, { WEBAUTHN_ENABLED: 'false' });

  it('serves no passkey route and no passkey part of the built-in page', async () => {
    const t = get();
    const res = await post(t, '/auth/webauthn/login/options', {});
    expect(res.statusCode).toBe(404);
    const page = await t.request({ url: '/' });
    expect(page.body).toContain('data-passkeys="false"');
    expect(page.body).not.toContain('id="account-area"');
  });
});

describe.each(DATABASES)('passkey sign-ins share the login limits on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_ACCOUNT: '3', RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('counts passkey and password sign-ins in the same per-account window', async () => {
    const t = get();
    const { session, device } = await withPasskey(t);
    expect((await login(t, session.user.email, PASSWORD)).statusCode).toBe(200); // 1: the password step
    for (let i = 0; i < 2; i++) expect((await loginVerify(t, device.get(await loginOptions(t)))).statusCode).toBe(200);
    const limited = await loginVerify(t, device.get(await loginOptions(t)));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toEqual(expect.any(String));
  });
});
