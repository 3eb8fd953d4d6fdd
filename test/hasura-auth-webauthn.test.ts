import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, claimsOf, uniqueEmail } from './helpers/auth.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';

// hasura-auth's WebAuthn routes on the hasura-auth door, with a software authenticator: the wire as
// @nhost/hasura-auth-js sends it, and its refusals in hasura-auth's envelope. The browser run is in
// test/clients/hasura-auth-webauthn.test.ts.
const post = (t: TestApp, url: string, payload: object = {}, token?: string) =>
  t.request({ method: 'POST', url: `/v1/auth${url}`, payload, headers: token ? bearer(token) : {} });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** signUp({ email, securityKey: true }) as the client does it: options, the authenticator, then verify. */
async function signUp(t: TestApp, device = new SoftAuthenticator(t.config.passkeys.origins[0]!)) {
  const email = uniqueEmail('key');
  const options = await post(t, '/signup/webauthn', { email, options: { displayName: 'Key Holder' } });
  expect(options.statusCode, options.body).toBe(200);
  const done = await post(t, '/signup/webauthn/verify', {
    credential: device.create(options.json()),
    options: { nickname: 'laptop', displayName: 'Key Holder' },
  });
  expect(done.statusCode, done.body).toBe(200);
  return { email, device, options: options.json(), session: done.json().session };
}

const signInOptions = async (t: TestApp, email?: string) => {
  const res = await post(t, '/signin/webauthn', email ? { email } : {});
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe.each(DATABASES)("hasura-auth's WebAuthn routes on %s", (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('signs up with a security key: the user id is the UUID text, the answer a hasura-auth session', async () => {
    const t = get();
    const { email, options, session } = await signUp(t);
    expect(options.user.id).toMatch(UUID);
    expect(options.user).toMatchObject({ name: email, displayName: 'Key Holder' });
    expect(session).toMatchObject({ accessTokenExpiresIn: expect.any(Number), refreshToken: expect.any(String) });
    expect(session.user).toMatchObject({ id: options.user.id, email, displayName: 'Key Holder' });
    const me = await t.request({ url: '/v1/auth/user', headers: bearer(session.accessToken) });
    expect(me.json().email).toBe(email);
    const taken = await post(t, '/signup/webauthn', { email });
    expect(taken.json()).toEqual({ status: 409, error: 'email-already-in-use', message: 'Email already in use' });
  });

  it('signs in with the key, with an email and without one (usernameless)', async () => {
    const t = get();
    const { email, device, session } = await signUp(t);
    const withEmail = await signInOptions(t, email);
    expect(withEmail.allowCredentials).toEqual([expect.objectContaining({ id: device.credentials[0]!.id })]);
    const one = await post(t, '/signin/webauthn/verify', { email, credential: device.get(withEmail) });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().session.user.id).toBe(session.user.id);
    const two = await post(t, '/signin/webauthn/verify', { credential: device.get(await signInOptions(t)) });
    expect(two.json().session.user.id).toBe(session.user.id);
  });

  it('adds a key to a signed-in user ({id, nickname}), which then signs in', async () => {
    const t = get();
    const { session } = await signUp(t);
    const second = new SoftAuthenticator(t.config.passkeys.origins[0]!);
    const options = await post(t, '/user/webauthn/add', {}, session.accessToken);
    expect(options.statusCode, options.body).toBe(200);
    expect(options.json().user.id).toBe(session.user.id);
    expect(options.json().excludeCredentials).toHaveLength(1);
    const added = await post(
      t,
      '/user/webauthn/verify',
      { credential: second.create(options.json()) },
      session.accessToken,
    );
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toEqual({ id: expect.stringMatching(UUID) });
    const res = await post(t, '/signin/webauthn/verify', { credential: second.get(await signInOptions(t)) });
    expect(res.json().session.user.id).toBe(session.user.id);
  });

  it('elevates: a new session whose token carries x-hasura-auth-elevated, and the caller counts as re-authenticated', async () => {
    const t = get();
    const { session, device } = await signUp(t);
    t.clock.advanceSeconds(t.config.jwt.reauthMaxAgeMinutes * 60 + 1);
    const stale = await post(t, '/user/webauthn/add', {}, session.accessToken);
    expect(stale.json()).toMatchObject({ status: 403, error: 'reauthentication-required' });
    const options = await post(t, '/elevate/webauthn', { email: session.user.email }, session.accessToken);
    expect(options.statusCode, options.body).toBe(200);
    const credential = device.get(options.json());
    const res = await post(
      t,
      '/elevate/webauthn/verify',
      { email: session.user.email, credential },
      session.accessToken,
    );
    expect(res.statusCode, res.body).toBe(200);
    const elevated = res.json().session;
    expect(elevated.refreshToken).not.toBe(session.refreshToken);
    const ns = t.config.jwt.claimsNamespace;
    expect(claimsOf(elevated.accessToken)[ns]).toMatchObject({ 'x-hasura-auth-elevated': session.user.id });
    expect((await post(t, '/user/webauthn/add', {}, session.accessToken)).statusCode).toBe(200);
    expect((await post(t, '/user/webauthn/add', {}, elevated.accessToken)).statusCode).toBe(200);
  });

  it('refuses a replayed challenge, a challenge never issued, and a bad body: 400 invalid-request', async () => {
    const t = get();
    const { device } = await signUp(t);
    const credential = device.get(await signInOptions(t));
    expect((await post(t, '/signin/webauthn/verify', { credential })).statusCode).toBe(200);
    const replayed = await post(t, '/signin/webauthn/verify', { credential });
    expect(replayed.json()).toMatchObject({ status: 400, error: 'invalid-request' });
    const forged = device.get(await signInOptions(t), { challenge: Buffer.from('never issued').toString('base64url') });
    expect((await post(t, '/signin/webauthn/verify', { credential: forged })).json()).toMatchObject({
      status: 400,
      error: 'invalid-request',
    });
    for (const body of [{}, { credential: 'nope' }, { credential: { ...credential, type: 'other' } }]) {
      const res = await post(t, '/signin/webauthn/verify', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ status: 400, error: 'invalid-request', message: expect.any(String) });
    }
    const noEmail = await post(t, '/signup/webauthn', { options: {} });
    expect(noEmail.json()).toMatchObject({ status: 400, error: 'invalid-request' });
  });

  it("refuses another session's challenge, another user's key, and a sign-up challenge used to sign in", async () => {
    const t = get();
    const mine = await signUp(t);
    const theirs = await signUp(t);
    // A key-adding challenge issued to another user's session does not add a key here.
    const other = await post(t, '/user/webauthn/add', {}, theirs.session.accessToken);
    const stolen = await post(
      t,
      '/user/webauthn/verify',
      { credential: new SoftAuthenticator(t.config.passkeys.origins[0]!).create(other.json()) },
      mine.session.accessToken,
    );
    expect(stolen.json()).toMatchObject({ status: 400, error: 'invalid-request' });
    // Elevation with another user's key.
    const options = await post(t, '/elevate/webauthn', {}, mine.session.accessToken);
    const credential = theirs.device.get(options.json(), { credentialId: theirs.device.credentials[0]!.id });
    const res = await post(t, '/elevate/webauthn/verify', { credential }, mine.session.accessToken);
    expect(res.json()).toMatchObject({ status: 400, error: 'invalid-request' });
    // A sign-up's challenge is not a sign-in's.
    const signup = await post(t, '/signup/webauthn', { email: uniqueEmail('cross') });
    const crossed = mine.device.get({ challenge: signup.json().challenge, rpId: signup.json().rp.id });
    expect((await post(t, '/signin/webauthn/verify', { credential: crossed })).statusCode).toBe(400);
  });

  it('needs a signed-in user to add a key or elevate (401 in its envelope)', async () => {
    const t = get();
    for (const url of ['/user/webauthn/add', '/elevate/webauthn']) {
      const res = await post(t, url);
      expect(res.json()).toMatchObject({ status: 401, error: 'unauthenticated-user' });
    }
  });
});

describe.each(DATABASES)("hasura-auth's WebAuthn routes with WEBAUTHN_ENABLED=false on %s", (db) => {
  const get = useTestApp(db, { WEBAUTHN_ENABLED: 'false' });

  it('answers 409 disabled-endpoint, as hasura-auth with its WebAuthn off', async () => {
    const t = get();
    for (const url of ['/signup/webauthn', '/signin/webauthn', '/user/webauthn/add', '/elevate/webauthn/verify']) {
      const res = await post(t, url, { email: uniqueEmail('off') });
      expect(res.json(), url).toEqual({
        status: 409,
        error: 'disabled-endpoint',
        message: 'This endpoint is disabled',
      });
    }
  });
});
