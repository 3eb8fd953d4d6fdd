import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { authenticator, postJson as post, useHasuraAuth } from '../helpers/hasura-auth-clients.js';
import { freshEmail } from './harness/server.js';

// @nhost/hasura-auth-js 2.12.0 and @nhost/nhost-js 4.7.0, unchanged, against the hasura-auth door (/v1/auth).
const PASSWORD = 'hasura client passphrase 9';
/** nhost-js 4 is given an auth URL ending in `/v1` (see nhostClient in test/helpers/hasura-auth-clients.ts). */
const NHOST_JS_MOUNT = '/v1';

describe.each(DATABASES)('@nhost/hasura-auth-js 2.12.0 on %s', (db) => {
  const { server, hasura } = useHasuraAuth(db);

  it('signs up, reads its Hasura claims, refreshes, signs out, and the refresh token is dead on the server', async () => {
    const live = server();
    const auth = hasura();
    const email = freshEmail('hauth');
    const up = await auth.signUp({ email, password: PASSWORD, options: { displayName: 'Hana Auth' } });
    expect(up.error).toBeNull();
    expect(up.session?.user).toMatchObject({
      email,
      displayName: 'Hana Auth',
      isAnonymous: false,
      defaultRole: 'user',
    });
    expect(auth.isAuthenticated()).toBe(true);
    expect(auth.getHasuraClaim('x-hasura-user-id')).toBe(up.session!.user.id);
    expect(auth.getHasuraClaim('allowed-roles')).toEqual(['user']);
    // hasura-auth's claim, a string as Hasura's session variables are.
    expect(auth.getHasuraClaim('user-is-anonymous')).toBe('false');
    const first = auth.getSession()!.refreshToken!;

    const refreshed = await auth.refreshSession();
    expect(refreshed.error).toBeNull();
    expect(refreshed.session!.refreshToken).not.toBe(first);

    const out = await auth.signOut();
    expect(out.error).toBeNull();
    expect(auth.isAuthenticated()).toBe(false);
    const reuse = await post(live, '/v1/auth/token', { refreshToken: refreshed.session!.refreshToken });
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toEqual({
      status: 401,
      error: 'invalid-refresh-token',
      message: 'Invalid or expired refresh token',
    });
  });

  it("signs in with a wrong then the right password, and answers hasura-auth's invalid-email-password", async () => {
    const email = freshEmail('hauth-in');
    await hasura().signUp({ email, password: PASSWORD });
    const auth = hasura();
    const wrong = await auth.signIn({ email, password: 'not the password' });
    expect(wrong.error).toMatchObject({ status: 401, error: 'invalid-email-password' });
    const right = await auth.signIn({ email, password: PASSWORD });
    expect(right.error).toBeNull();
    expect(right.session?.user.email).toBe(email);
    expect(right.mfa).toBeNull();
  });

  it("signs in with TOTP: the mfa ticket in hasura-auth's shape, then /signin/mfa/totp", async () => {
    const live = server();
    const email = freshEmail('hauth-mfa');
    const auth = hasura();
    await auth.signUp({ email, password: PASSWORD });
    // MFA turned on through the native API (its /user/mfa here is the next step of this door).
    const token = auth.getAccessToken()!;
    const gen = await post(live, '/auth/mfa/generate', {}, { authorization: `Bearer ${token}` });
    const { otp_secret } = (await gen.json()) as { otp_secret: string };
    const on = await post(
      live,
      '/auth/mfa/enable',
      { code: authenticator(otp_secret, live) },
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(on.status).toBe(204);
    live.t.clock.advance(31_000); // the enabling code is spent: the next one is another step's

    const fresh = hasura();
    const first = await fresh.signIn({ email, password: PASSWORD });
    expect(first.error).toBeNull();
    expect(first.session).toBeNull();
    expect(first.mfa?.ticket).toMatch(/^mfaTotp:[0-9a-f-]{36}$/);
    const done = await fresh.signIn({ otp: authenticator(otp_secret, live), ticket: first.mfa!.ticket });
    expect(done.error).toBeNull();
    expect(done.session?.user).toMatchObject({ email, activeMfaType: 'totp' });
    expect(fresh.isAuthenticated()).toBe(true);
  });

  it('signs out everywhere: the other sessions, a HumHub JWT of the same user too, end', async () => {
    const live = server();
    const email = freshEmail('hauth-all');
    await hasura().signUp({ email, password: PASSWORD });
    const other = hasura();
    await other.signIn({ email, password: PASSWORD });
    const humhub = await post(live, '/api/v1/auth/login', { username: email, password: PASSWORD });
    const { auth_token } = (await humhub.json()) as { auth_token: string };
    const current = () =>
      fetch(`${live.url}/api/v1/auth/current`, { headers: { authorization: `Bearer ${auth_token}` } });
    expect((await current()).status).toBe(200);

    const auth = hasura();
    await auth.signIn({ email, password: PASSWORD });
    expect((await auth.signOut({ all: true })).error).toBeNull();
    expect((await current()).status).toBe(401);
    const otherRefresh = await post(live, '/v1/auth/token', { refreshToken: other.getSession()!.refreshToken });
    expect(otherRefresh.status).toBe(401);
  });
});

describe.each(DATABASES)('@nhost/nhost-js 4.7.0 on %s', (db) => {
  const { server, nhost: nhostClient } = useHasuraAuth(db, { mount: NHOST_JS_MOUNT });

  it('signs up and in, reads /user, verifies its token, refreshes and signs out', async () => {
    const live = server();
    const nhost = nhostClient();
    const email = freshEmail('nhost4');
    const up = await nhost.auth.signUpEmailPassword({ email, password: PASSWORD });
    expect(up.body.session?.user?.email).toBe(email);
    const signedIn = await nhost.auth.signInEmailPassword({ email, password: PASSWORD });
    expect(signedIn.body.session?.accessTokenExpiresIn).toBeGreaterThan(0);
    expect(nhost.getUserSession()?.user?.email).toBe(email);

    const me = await nhost.auth.getUser();
    expect(me.body).toMatchObject({ email, emailVerified: false, roles: ['user'], activeMfaType: null });
    const verified = await nhost.auth.verifyToken({ token: signedIn.body.session!.accessToken });
    expect(verified.body).toBe('OK');

    const before = nhost.getUserSession()!.refreshToken;
    const refreshed = await nhost.refreshSession(0);
    expect(refreshed?.refreshToken).not.toBe(before);
    await nhost.auth.signOut({ refreshToken: refreshed!.refreshToken });
    expect(nhost.getUserSession()).toBeNull();
    const after = await post(live, `${NHOST_JS_MOUNT}/token`, { refreshToken: refreshed!.refreshToken });
    expect(after.status).toBe(401);
  });

  it("refreshes on this door a session opened by HBP's /auth/login, and HBP refreshes it back", async () => {
    const live = server();
    const email = freshEmail('cross');
    await nhostClient().auth.signUpEmailPassword({ email, password: PASSWORD });
    const hbp = await post(live, '/auth/login', { email, password: PASSWORD });
    const { refresh_token } = (await hbp.json()) as { refresh_token: string };
    const nhost = nhostClient();
    const session = await nhost.auth.refreshToken({ refreshToken: refresh_token });
    expect(session.body.user?.email).toBe(email);
    // And back: the rotated token is one of the same session, refreshed on HBP's door.
    const back = await fetch(`${live.url}/auth/token/refresh?refresh_token=${session.body.refreshToken}`);
    expect(back.status).toBe(200);
  });
});

describe.each(DATABASES)('hasura-auth wire errors on %s', (db) => {
  const { server } = useHasuraAuth(db);

  it('answers a bad body with 400 invalid-request, an unknown route with its 404, SMS with disabled-endpoint', async () => {
    const live = server();
    const bad = await post(live, '/v1/auth/signin/email-password', { email: 'not an email' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 400, error: 'invalid-request' });
    const broken = await fetch(`${live.url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"refreshToken":',
    });
    expect(await broken.json()).toEqual({ status: 400, error: 'invalid-request', message: expect.any(String) });
    const unknown = await fetch(`${live.url}/v1/auth/no/such/route`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, error: 'route-not-found' });
    // Gatehouse sends no SMS: hasura-auth's answer for a switched-off feature (its WebAuthn routes answer now).
    const sms = await post(live, '/v1/auth/signin/passwordless/sms', {});
    expect(sms.status).toBe(409);
    expect(await sms.json()).toEqual({
      status: 409,
      error: 'disabled-endpoint',
      message: 'This endpoint is disabled',
    });
    // Anonymous users are off unless HASURA_AUTH_ANONYMOUS_USERS: hasura-auth's answer for a disabled feature.
    const anonymous = await post(live, '/v1/auth/signin/anonymous', {});
    expect(await anonymous.json()).toMatchObject({ status: 409, error: 'disabled-endpoint' });
    const me = await fetch(`${live.url}/v1/auth/user`);
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({ status: 401, error: 'unauthenticated-user' });
    const taken = freshEmail('taken');
    await post(live, '/v1/auth/signup/email-password', { email: taken, password: PASSWORD });
    const twice = await post(live, '/v1/auth/signup/email-password', { email: taken, password: PASSWORD });
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ status: 409, error: 'email-already-in-use' });
    expect(await (await fetch(`${live.url}/v1/auth/healthz`)).json()).toBe('OK');
    expect(await (await fetch(`${live.url}/v1/auth/version`)).json()).toEqual({ version: expect.any(String) });
    expect(await (await fetch(`${live.url}/v1/auth/.well-known/jwks.json`)).json()).toEqual({ keys: [] });
  });
});

describe.each(DATABASES)('hasura-auth at the root of its host (HASURA_AUTH_MOUNT=/) on %s', (db) => {
  const { server, hasura } = useHasuraAuth(db, { mount: '/' });

  it("serves hasura-auth-js at the root beside every other dialect; /healthz and 404s stay the server's", async () => {
    const live = server();
    const auth = hasura();
    const email = freshEmail('root');
    expect((await auth.signUp({ email, password: PASSWORD })).error).toBeNull();
    expect((await auth.refreshSession()).error).toBeNull();
    expect((await fetch(`${live.url}/healthz`)).status).toBe(204);
  });
});
