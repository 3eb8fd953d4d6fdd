import { describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, register } from './helpers/auth.js';
import { SIGN_IN_CLIENT, throughProvider, useProvider } from './helpers/oidc-provider.js';
import { addPasskey, secondStepWithPasskey } from './helpers/soft-authenticator.js';

const SERVER = 'http://gatehouse.test';
const SUCCESS = 'http://app.test/welcome';
const FAILURE = 'http://app.test/sorry';
const ADMIN_SECRET = 'an admin secret of at least 32 characters';

/** The provider's login and consent pages, as `account`, until it sends the browser back to Gatehouse. */
const atProvider = (authorizationUrl: string, account: string) => throughProvider(authorizationUrl, account, SERVER);

const cookieOf = (setCookie: string | string[] | undefined, name: string) =>
  ([] as string[])
    .concat(setCookie ?? [])
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`));

/** Starts a sign-in at Gatehouse: the provider URL and the flow cookie the browser keeps. */
async function start(t: TestApp, query = '', provider = 'oidc') {
  const res = await t.request({ url: `/auth/providers/${provider}${query}` });
  expect(res.statusCode).toBe(302);
  return { location: res.headers.location as string, cookie: cookieOf(res.headers['set-cookie'], 'gatehouse_oauth')! };
}

async function finish(t: TestApp, callbackUrl: string, cookie: string | undefined) {
  const res = await t.request({ url: callbackUrl.slice(SERVER.length), headers: cookie ? { cookie } : {} });
  expect(res.statusCode).toBe(302);
  return { res, location: new URL(res.headers.location as string) };
}

/** The whole round trip: Gatehouse → provider (login, consent) → Gatehouse → the app. */
async function signIn(t: TestApp, account: string, query = '', provider = 'oidc') {
  const { location, cookie } = await start(t, query, provider);
  const callback = await atProvider(location, account);
  return { ...(await finish(t, callback, cookie)), callback, cookie };
}

describe.each(DATABASES)('sign-in with OAuth / OpenID Connect providers on %s', (db) => {
  const { issuer } = useProvider({
    redirectUris: () => ['oidc', 'gitlab'].map((p) => `${SERVER}/auth/providers/${p}/callback`),
  });
  const get = useTestApp(db, () => ({
    SERVER_URL: SERVER,
    REDIRECT_URL_SUCCESS: SUCCESS,
    REDIRECT_URL_ERROR: FAILURE,
    ALLOWED_REDIRECT_URLS: 'http://other.test/landing',
    ADMIN_SECRET,
    MFA_ENABLED: 'true',
    AUTH_PROVIDER_OIDC_ISSUER: issuer(),
    AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
    AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    // GitLab is an OpenID Connect preset: pointed at the same provider, with a domain rule.
    AUTH_PROVIDER_GITLAB_URL: issuer(),
    AUTH_PROVIDER_GITLAB_CLIENT_ID: SIGN_IN_CLIENT.id,
    AUTH_PROVIDER_GITLAB_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    AUTH_PROVIDER_GITLAB_ALLOWED_DOMAINS: 'corp.example',
  }));

  it('redirects to the provider with state, PKCE and nonce, then back to REDIRECT_URL_SUCCESS with a refresh token for a new user', async () => {
    const t = get();
    const { location, cookie } = await start(t);
    const auth = new URL(location);
    expect(auth.origin + auth.pathname).toBe(`${issuer()}/auth`);
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({
      client_id: 'gatehouse',
      response_type: 'code',
      redirect_uri: `${SERVER}/auth/providers/oidc/callback`,
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    });
    for (const p of ['state', 'nonce', 'code_challenge']) expect(auth.searchParams.get(p)).toMatch(/^[\w-]{22,}$/);
    expect(cookie).toBeDefined();

    const { location: back } = await finish(t, await atProvider(location, 'newcomer'), cookie);
    expect(back.origin + back.pathname).toBe(SUCCESS);
    const refreshed = await t.request({
      url: `/auth/token/refresh?refresh_token=${back.searchParams.get('refresh_token')}`,
    });
    expect(refreshed.statusCode).toBe(200);
    const session = refreshed.json();
    expect(session.user).toMatchObject({ email: 'newcomer@example.net', display_name: 'Person newcomer' });
    const me = (await t.request({ url: '/auth/user', headers: bearer(session.jwt_token) })).json();
    expect(me).toMatchObject({ email_verified: true, roles: ['user'] });
    const linked = await t.request({ url: '/auth/providers', headers: bearer(session.jwt_token) });
    expect(linked.json()).toEqual([expect.objectContaining({ provider: 'oidc', email: 'newcomer@example.net' })]);
    // The second sign-in finds the same user through the link.
    const again = await signIn(t, 'newcomer');
    const second = await t.request({
      url: `/auth/token/refresh?refresh_token=${again.location.searchParams.get('refresh_token')}`,
    });
    expect(second.json().user.id).toBe(session.user.id);
  });

  it('does not link an unverified email to an existing account', async () => {
    const t = get();
    const local = await register(t, { email: 'unverified-owner@example.net' });
    const { location } = await signIn(t, 'unverified-owner');
    expect(location.origin + location.pathname).toBe(FAILURE);
    expect(location.searchParams.get('error')).toBe('provider-email-unverified');
    expect((await t.request({ url: '/auth/providers', headers: bearer(local.jwt_token) })).json()).toEqual([]);
  });

  it('refuses a callback whose state does not match, or that comes without the flow cookie', async () => {
    const t = get();
    const { location, cookie } = await start(t);
    const callback = new URL(await atProvider(location, 'statecheck'));
    const forged = new URL(callback);
    forged.searchParams.set('state', 'a-state-this-browser-never-sent');
    expect((await finish(t, forged.toString(), cookie)).location.searchParams.get('error')).toBe(
      'provider-login-failed',
    );
    expect((await finish(t, callback.toString(), undefined)).location.searchParams.get('error')).toBe('invalid-state');
    expect(await t.app.services.users.findByEmail('statecheck@example.net')).toBeUndefined();
  });

  it('refuses a code whose id_token carries another nonce (an injected authorization response)', async () => {
    const t = get();
    const { location, cookie } = await start(t);
    const injected = new URL(location);
    injected.searchParams.set('nonce', 'the-attackers-own-nonce-value');
    const { location: back } = await finish(t, await atProvider(injected.toString(), 'noncecheck'), cookie);
    expect(back.searchParams.get('error')).toBe('provider-login-failed');
    expect(await t.app.services.users.findByEmail('noncecheck@example.net')).toBeUndefined();
  });

  it('refuses a replayed authorization code', async () => {
    const t = get();
    const first = await signIn(t, 'replayer');
    expect(first.location.searchParams.get('refresh_token')).toBeTruthy();
    const replay = await finish(t, first.callback, first.cookie);
    expect(replay.location.searchParams.get('error')).toBe('provider-login-failed');
    expect(replay.location.searchParams.get('refresh_token')).toBeNull();
  });

  it('refuses a disabled user', async () => {
    const t = get();
    const first = await signIn(t, 'tobedisabled');
    const user = await t.app.services.users.findByEmail('tobedisabled@example.net');
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/admin/users/${user!.id}/disable`,
          headers: { 'x-admin-secret': ADMIN_SECRET },
        })
      ).statusCode,
    ).toBe(204);
    expect(first.location.searchParams.get('refresh_token')).toBeTruthy();
    const { location } = await signIn(t, 'tobedisabled');
    expect([location.origin + location.pathname, location.searchParams.get('error')]).toEqual([
      FAILURE,
      'invalid-credentials',
    ]);
  });

  it('honours an allowed redirect_url and cookie mode; refuses a redirect_url off the allow-list', async () => {
    const t = get();
    for (const target of [
      'https://evil.test/landing',
      'http://other.test.evil.test/landing',
      'http://other.test@evil.test/landing',
      'javascript:alert(1)',
    ]) {
      const res = await t.request({ url: `/auth/providers/oidc?redirect_url=${encodeURIComponent(target)}` });
      expect([res.statusCode, res.json().code]).toEqual([400, 'redirect-not-allowed']);
    }
    const { res, location } = await signIn(
      t,
      'cookiemode',
      `?redirect_url=${encodeURIComponent('http://other.test/landing/page?x=1')}&cookie=true`,
    );
    expect(location.toString()).toBe('http://other.test/landing/page?x=1');
    const refresh = cookieOf(res.headers['set-cookie'], 'refresh_token');
    expect(refresh).toBeDefined();
    expect((await t.request({ url: '/auth/token/refresh', headers: { cookie: refresh! } })).statusCode).toBe(200);
  });

  it('hands an MFA user the MFA ticket, as a magic link does', async () => {
    const t = get();
    const { location } = await signIn(t, 'mfauser');
    const session = (
      await t.request({ url: `/auth/token/refresh?refresh_token=${location.searchParams.get('refresh_token')}` })
    ).json();
    const { otp_secret } = (
      await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(session.jwt_token) })
    ).json();
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/mfa/enable',
          headers: bearer(session.jwt_token),
          payload: { code: codeAt(otp_secret, t.clock.now().getTime()) },
        })
      ).statusCode,
    ).toBe(204);
    t.clock.advanceSeconds(30);
    const { location: mfa } = await signIn(t, 'mfauser');
    expect([mfa.searchParams.get('mfa'), mfa.searchParams.get('refresh_token')]).toEqual(['true', null]);
    const done = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp',
      payload: { ticket: mfa.searchParams.get('ticket'), code: codeAt(otp_secret, t.clock.now().getTime()) },
    });
    expect(done.statusCode).toBe(200);
  });

  it('asks a user with a passkey for it after the provider, as after a password', async () => {
    const t = get();
    const { location } = await signIn(t, 'keyuser');
    const session = (
      await t.request({ url: `/auth/token/refresh?refresh_token=${location.searchParams.get('refresh_token')}` })
    ).json();
    const device = await addPasskey(t, session.jwt_token);
    const { location: mfa } = await signIn(t, 'keyuser');
    expect([mfa.searchParams.get('mfa'), mfa.searchParams.get('methods')]).toEqual(['true', 'webauthn']);
    expect(mfa.searchParams.get('refresh_token')).toBeNull();
    const done = await secondStepWithPasskey(t, device, mfa.searchParams.get('ticket')!);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().user.id).toBe(session.user.id);
  });

  it('unlinks a provider, but never the last way to sign in', async () => {
    const t = get();
    const { location } = await signIn(t, 'onlyoauth');
    const session = (
      await t.request({ url: `/auth/token/refresh?refresh_token=${location.searchParams.get('refresh_token')}` })
    ).json();
    const last = await t.request({ method: 'DELETE', url: '/auth/providers/oidc', headers: bearer(session.jwt_token) });
    expect([last.statusCode, last.json().code]).toEqual([409, 'last-sign-in-method']);

    const local = await register(t, { email: 'haspassword@example.net', password: PASSWORD });
    await signIn(t, 'haspassword', `?connect=${local.jwt_token}`);
    expect(
      (await t.request({ method: 'DELETE', url: '/auth/providers/oidc', headers: bearer(local.jwt_token) })).statusCode,
    ).toBe(204);
    expect(
      (await t.request({ method: 'DELETE', url: '/auth/providers/oidc', headers: bearer(local.jwt_token) })).statusCode,
    ).toBe(404);
    expect((await t.request({ url: '/auth/providers' })).statusCode).toBe(401);
  });

  it('answers 404 for an unknown or unconfigured provider', async () => {
    const t = get();
    expect((await t.request({ url: '/auth/providers/myspace' })).statusCode).toBe(404);
    expect((await t.request({ url: '/auth/providers/github' })).statusCode).toBe(404);
  });

  it('lets only the allowed email domains in through a preset with ALLOWED_DOMAINS', async () => {
    const t = get();
    const outsider = await signIn(t, 'outsider', '', 'gitlab');
    expect(outsider.location.searchParams.get('error')).toBe('domain-not-allowed');
    const insider = await signIn(t, 'insider~corp.example', '', 'gitlab');
    expect(insider.location.searchParams.get('refresh_token')).toBeTruthy();
  });
});

describe.each(DATABASES)('ID tokens checked against the provider’s keys on %s', (db) => {
  // Its JWKS names other keys than those it signs with: each ID token it issues is, to us, a forgery.
  const { issuer } = useProvider({ jwks: 'foreign', redirectUris: () => [`${SERVER}/auth/providers/oidc/callback`] });
  const get = useTestApp(db, () => ({
    SERVER_URL: SERVER,
    REDIRECT_URL_SUCCESS: SUCCESS,
    REDIRECT_URL_ERROR: FAILURE,
    AUTH_PROVIDER_OIDC_ISSUER: issuer(),
    AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
    AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
  }));

  it('refuses an ID token signed by a key that is not in the provider’s JWKS (forged ID token)', async () => {
    const t = get();
    const { location } = await signIn(t, 'forged');
    const refused = [location.origin + location.pathname, location.searchParams.get('error')];
    expect(refused).toEqual([FAILURE, 'provider-login-failed']);
    expect(location.searchParams.get('refresh_token')).toBeNull();
    expect(await t.app.services.users.findByEmail('forged@example.net')).toBeUndefined();
  });
});

describe.each(DATABASES)('ID token algorithm pinned on %s', (db) => {
  // HS256 is keyed by the client secret: anyone who holds it could mint ID tokens, so it is never accepted.
  const redirectUris = () => [`${SERVER}/auth/providers/oidc/callback`];
  const { issuer } = useProvider({ idTokenAlg: 'HS256', redirectUris });
  const get = useTestApp(db, () => ({
    SERVER_URL: SERVER,
    REDIRECT_URL_SUCCESS: SUCCESS,
    REDIRECT_URL_ERROR: FAILURE,
    AUTH_PROVIDER_OIDC_ISSUER: issuer(),
    AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
    AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
  }));

  it('refuses an ID token signed with an algorithm other than the pinned asymmetric one (alg confusion)', async () => {
    const t = get();
    const { location } = await signIn(t, 'symmetric');
    const refused = [location.origin + location.pathname, location.searchParams.get('error')];
    expect(refused).toEqual([FAILURE, 'provider-login-failed']);
    expect(await t.app.services.users.findByEmail('symmetric@example.net')).toBeUndefined();
  });
});
