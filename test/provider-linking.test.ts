import { describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register } from './helpers/auth.js';
import { SIGN_IN_CLIENT, throughProvider, useProvider } from './helpers/oidc-provider.js';
import { useSmtp } from './helpers/smtp.js';

const SERVER = 'http://gatehouse.test';
const SUCCESS = 'http://app.test/welcome';
const FAILURE = 'http://app.test/sorry';
const ADMIN_SECRET = 'an admin secret of at least 32 characters';

const cookieOf = (setCookie: string | string[] | undefined, name: string) =>
  ([] as string[])
    .concat(setCookie ?? [])
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`));

/** Gatehouse → provider (login and consent as `account`) → Gatehouse: where the browser is sent at the end. */
async function signIn(t: TestApp, account: string, query = '') {
  const started = await t.request({ url: `/auth/providers/oidc${query}` });
  expect(started.statusCode).toBe(302);
  const callback = await throughProvider(started.headers.location as string, account, SERVER);
  const cookie = cookieOf(started.headers['set-cookie'], 'gatehouse_oauth')!;
  const res = await t.request({ url: callback.slice(SERVER.length), headers: { cookie } });
  expect(res.statusCode).toBe(302);
  return new URL(res.headers.location as string);
}

async function sessionOf(t: TestApp, back: URL) {
  const refreshToken = back.searchParams.get('refresh_token');
  expect(refreshToken, `no session: ${back.toString()}`).toBeTruthy();
  const res = await t.request({ url: `/auth/token/refresh?refresh_token=${refreshToken}` });
  expect(res.statusCode).toBe(200);
  return res.json() as { jwt_token: string; refresh_token: string; user: { id: string } };
}

const errorOf = (back: URL) => [back.origin + back.pathname, back.searchParams.get('error')];

describe.each(DATABASES)('linking provider accounts to local accounts on %s', (db) => {
  const { issuer } = useProvider({ redirectUris: () => [`${SERVER}/auth/providers/oidc/callback`] });
  const smtp = useSmtp();
  const base = () => ({
    SERVER_URL: SERVER,
    REDIRECT_URL_SUCCESS: SUCCESS,
    REDIRECT_URL_ERROR: FAILURE,
    ADMIN_SECRET,
    MFA_ENABLED: 'true',
    AUTH_PROVIDER_OIDC_ISSUER: issuer(),
    AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
    AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
  });
  // The defaults: new accounts are active without proving their address, and unproven accounts are not linked.
  const refusing = useTestApp(db, base);
  const takingOver = useTestApp(db, () => ({ ...base(), PROVIDER_LINK_UNPROVEN: 'takeover' }));
  const activating = useTestApp(db, () => ({ ...base(), ...smtp().env, AUTO_ACTIVATE_NEW_USERS: 'false' }));

  it('pre-account takeover: a provider sign-in never joins an account whose address was never proven', async () => {
    const t = refusing();
    // The attacker registers the victim's address with a password of their own.
    const attacker = await register(t, { email: 'victim1@example.net', password: PASSWORD });
    const back = await signIn(t, 'victim1');
    expect(errorOf(back)).toEqual([FAILURE, 'account-exists-unproven']);
    expect(back.searchParams.get('refresh_token')).toBeNull();
    // Nothing was linked, and no second account holds the address.
    expect((await t.request({ url: '/auth/providers', headers: bearer(attacker.jwt_token) })).json()).toEqual([]);
    const users = await t.request({ url: '/admin/users?search=victim1@', headers: { 'x-admin-secret': ADMIN_SECRET } });
    expect(users.json().users).toHaveLength(1);
  });

  it('pre-account takeover: with PROVIDER_LINK_UNPROVEN=takeover the registrant loses sessions, tokens, password, MFA and links', async () => {
    const t = takingOver();
    const attacker = await register(t, { email: 'victim2@example.net', password: PASSWORD });
    const auth = bearer(attacker.jwt_token);
    const personal = (
      await t.request({ method: 'POST', url: '/auth/tokens', headers: auth, payload: { name: 'kept' } })
    ).json();
    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(personal.token) })).statusCode).toBe(200);
    // The attacker also links an outside account of their own, from their session.
    await sessionOf(t, await signIn(t, 'attackers-own', `?connect=${attacker.jwt_token}`));
    const { otp_secret } = (await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: auth })).json();
    const enabled = await t.request({
      method: 'POST',
      url: '/auth/mfa/enable',
      headers: auth,
      payload: { code: codeAt(otp_secret, t.clock.now().getTime()) },
    });
    expect(enabled.statusCode).toBe(204);

    // The victim signs in with the provider that proves the address: no MFA step the attacker set up.
    const victim = await sessionOf(t, await signIn(t, 'victim2'));
    expect(victim.user.id).toBe(attacker.user.id);
    const me = (await t.request({ url: '/auth/user', headers: bearer(victim.jwt_token) })).json();
    expect(me).toMatchObject({ email_verified: true, active: true });
    const linked = (await t.request({ url: '/auth/providers', headers: bearer(victim.jwt_token) })).json();
    expect(linked.map((l: { provider: string; email: string }) => l.email)).toEqual(['victim2@example.net']);

    // Everything the attacker held is gone.
    expect((await t.request({ url: '/auth/user', headers: auth })).statusCode).toBe(401);
    expect((await t.request({ url: `/auth/token/refresh?refresh_token=${attacker.refresh_token}` })).statusCode).toBe(
      401,
    );
    expect((await t.request({ url: '/api/v1/auth/current', headers: bearer(personal.token) })).statusCode).toBe(401);
    expect((await login(t, 'victim2@example.net', PASSWORD)).statusCode).toBe(401);
    // The attacker's own outside account now signs in to an account of its own, not the victim's.
    expect((await sessionOf(t, await signIn(t, 'attackers-own'))).user.id).not.toBe(attacker.user.id);
    const audit = await t.request({
      url: '/admin/audit?action=account.takeover',
      headers: { 'x-admin-secret': ADMIN_SECRET },
    });
    expect(audit.json().entries).toEqual([expect.objectContaining({ subject: attacker.user.id, outcome: 'success' })]);
  });

  it('links an existing account whose address was proven by a clicked link, keeping its password', async () => {
    const t = activating();
    const res = await t.request({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'owner@example.net', password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const link = new URL((await smtp().waitFor('owner@example.net', /Activate/)).links[0]!);
    expect((await t.request({ url: `${link.pathname}${link.search}` })).statusCode).toBe(302);
    const session = await sessionOf(t, await signIn(t, 'owner'));
    expect(session.user.id).toBe(res.json().user.id);
    expect((await login(t, 'owner@example.net', PASSWORD)).statusCode).toBe(200);
  });

  it('links a provider from the signed-in user’s own session, whatever address the provider holds', async () => {
    const t = refusing();
    const me = await register(t, { email: 'not-proven@example.com', password: PASSWORD });
    const linked = await sessionOf(t, await signIn(t, 'elsewhere', `?connect=${me.jwt_token}`));
    expect(linked.user.id).toBe(me.user.id);
    const providers = (await t.request({ url: '/auth/providers', headers: bearer(me.jwt_token) })).json();
    expect(providers).toEqual([expect.objectContaining({ provider: 'oidc', email: 'elsewhere@example.net' })]);
    // From now on the provider signs in to that account directly.
    expect((await sessionOf(t, await signIn(t, 'elsewhere'))).user.id).toBe(me.user.id);
  });

  it('refuses a link from a session whose proof is stale: a stolen access token cannot add a sign-in method', async () => {
    const t = refusing();
    const me = await register(t);
    t.clock.advance(11 * 60_000); // past REAUTH_MAX_AGE (10 minutes), the access token still live
    const started = await t.request({ url: `/auth/providers/oidc?connect=${me.jwt_token}` });
    expect([started.statusCode, started.json().code]).toEqual([403, 'reauthentication-required']);
    expect((await t.request({ url: '/auth/providers', headers: bearer(me.jwt_token) })).json()).toEqual([]);
  });

  it('refuses a link with a bad token, from an ended session, or of a provider account linked to someone else', async () => {
    const t = refusing();
    const bad = await t.request({ url: '/auth/providers/oidc?connect=not-a-token' });
    expect([bad.statusCode, bad.json().code]).toEqual([401, 'invalid-token']);

    const first = await register(t);
    await sessionOf(t, await signIn(t, 'taken', `?connect=${first.jwt_token}`));
    const second = await register(t);
    expect(errorOf(await signIn(t, 'taken', `?connect=${second.jwt_token}`))).toEqual([
      FAILURE,
      'provider-already-linked',
    ]);

    // The session that started the link ends before the provider sends the browser back.
    const third = await register(t);
    const started = await t.request({ url: `/auth/providers/oidc?connect=${third.jwt_token}` });
    const callback = await throughProvider(started.headers.location as string, 'latecomer', SERVER);
    const signOut = await t.request({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(third.jwt_token),
      payload: { refresh_token: third.refresh_token },
    });
    expect(signOut.statusCode).toBe(204);
    const cookie = cookieOf(started.headers['set-cookie'], 'gatehouse_oauth')!;
    const back = new URL(
      (await t.request({ url: callback.slice(SERVER.length), headers: { cookie } })).headers.location as string,
    );
    expect(errorOf(back)).toEqual([FAILURE, 'invalid-token']);
    expect((await t.request({ url: '/auth/providers', headers: bearer(first.jwt_token) })).json()).toHaveLength(1);
  });
});
