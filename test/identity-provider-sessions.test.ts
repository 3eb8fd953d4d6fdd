import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, type TestApp } from './helpers/app.js';
import { bearer } from './helpers/auth.js';
import { addPasskey } from './helpers/soft-authenticator.js';
import {
  admin,
  authorize,
  codeFlow,
  createBrowser,
  exchange,
  hiddenFields,
  newUser,
  oidc,
  relyingParty,
  createClient,
  sessionsOf,
  signIn,
  ssoSessionOf,
  useIdp,
  useLogoutReceiver,
} from './helpers/idp.js';

const HASURA = 'https://hasura.io/jwt/claims';

/** A user with TOTP enabled through the HBP API; `code()` answers the current code. */
async function userWithTotp(t: TestApp) {
  const u = await newUser(t);
  const gen = await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(u.jwt) });
  expect(gen.statusCode, gen.body).toBe(200);
  const secret = gen.json().otp_secret as string;
  const enable = { code: codeAt(secret, t.clock.now().getTime()) };
  const res = await t.request({ method: 'POST', url: '/auth/mfa/enable', headers: bearer(u.jwt), payload: enable });
  expect(res.statusCode, res.body).toBe(204);
  t.clock.advanceSeconds(30); // the enabling code is spent: the sign-in uses the next one
  return { ...u, code: () => codeAt(secret, t.clock.now().getTime()) };
}

describe.each(DATABASES)('the identity provider’s sessions, keys and claims on %s', (db) => {
  const idp = useIdp(db, () => ({ MFA_ENABLED: 'true' }));
  const rp = useLogoutReceiver();

  it('finishes a sign-in of an account with TOTP: the second step continues the authorization', async () => {
    const t = idp.app();
    const u = await userWithTotp(t);
    const { tokens, flow } = await signIn(idp, { user: u });
    expect(flow.pages).toHaveLength(2);
    expect(flow.pages[1]).toContain('id="second-factor"');
    // The page never asks for the password again: the second step carries the first step's ticket.
    expect(flow.pages[1]).not.toContain('name="password"');
    expect(tokens.claims()!.sub).toBe(u.id);
  });

  it('refuses a wrong TOTP code on the second step, and the same ticket takes the right one after', async () => {
    const t = idp.app();
    const u = await userWithTotp(t);
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    let wrongOnce = true;
    const wrongThenRight = () => {
      if (!wrongOnce) return u.code();
      wrongOnce = false;
      return u.code() === '000000' ? '111111' : '000000';
    };
    const flow = await codeFlow(config, createBrowser(), { ...u, code: wrongThenRight });
    expect(flow.pages.filter((p) => p.includes('id="second-factor"'))).toHaveLength(2);
    expect(flow.pages[2]).toContain('id="error"');
    expect((await exchange(config, flow)).claims()!.sub).toBe(u.id);
  });

  it('offers on a retried second step what the account has, whatever a forged `methods` field says', async () => {
    const t = idp.app();
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    /** The page after one wrong code posted with a forged `methods` field. */
    const retried = async (u: Awaited<ReturnType<typeof userWithTotp>>, methods: string) => {
      const browser = createBrowser();
      const login = await authorize(config, browser);
      const step = await browser.post(login.forms[0]!, { identifier: u.email, password: u.password });
      expect(step.html).toContain('id="second-factor"');
      expect(step.html).not.toContain('name="methods"');
      const wrong = u.code() === '000000' ? '111111' : '000000';
      return browser.post(step.forms[0]!, { ...hiddenFields(step.html), code: wrong, methods });
    };
    // TOTP only: a form claiming a passkey does not make the page offer one.
    const totpOnly = await retried(await userWithTotp(t), 'webauthn');
    expect(totpOnly.status).toBe(401);
    expect(totpOnly.html).toContain('id="second-factor"');
    expect(totpOnly.html).not.toContain('id="passkey-step"');
    // TOTP and a passkey: a form claiming TOTP only does not take the passkey away.
    const both = await userWithTotp(t);
    await addPasskey(t, both.jwt);
    const page = await retried(both, 'totp');
    expect(page.html).toContain('id="second-factor"');
    expect(page.html).toContain('id="passkey-step"');
  });

  it('signs ID tokens with a rotated key at once, and the JWKS lists the old and the new key', async () => {
    const t = idp.app();
    const first = await signIn(idp);
    const before = decodeProtectedHeader(first.tokens.id_token!).kid;
    const rotated = await t.request({ method: 'POST', url: '/admin/keys/rotate', headers: admin, payload: {} });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const kid = rotated.json().oidc.kid as string;
    expect(kid).not.toBe(before);
    const second = await signIn(idp);
    expect(decodeProtectedHeader(second.tokens.id_token!).kid).toBe(kid);
    const jwks = (await (await fetch(`${idp.server()}/oidc/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before, kid]));
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    // Both verify through the published keys, as a relying party checks them.
    const keys = createRemoteJWKSet(new URL(`${idp.server()}/oidc/jwks`));
    await jwtVerify(first.tokens.id_token!, keys, { issuer: idp.server() });
    await jwtVerify(second.tokens.id_token!, keys, { issuer: idp.server() });
    // The refresh of the first grant goes on under the new key.
    const refreshed = await oidc.refreshTokenGrant(first.config, first.tokens.refresh_token!);
    expect(decodeProtectedHeader(refreshed.id_token!).kid).toBe(kid);
  });

  it("ends the provider's sign-in only in the browser whose Gatehouse session ended", async () => {
    const t = idp.app();
    const u = await newUser(t);
    const a = createBrowser();
    const b = createBrowser();
    const first = await signIn(idp, { user: u, browser: a });
    await signIn(idp, { user: u, browser: b });
    const ended = await ssoSessionOf(a, idp.server());
    expect(ended).not.toBe(await ssoSessionOf(b, idp.server()));
    const res = await t.request({ method: 'DELETE', url: `/admin/users/${u.id}/sessions/${ended}`, headers: admin });
    expect(res.statusCode).toBe(204);
    // Bug guarded: the provider's session counted while *any* sign-on session of the user lived.
    expect((await codeFlow(first.config, a, u)).pages).toHaveLength(1);
    expect((await codeFlow(first.config, b, u)).pages).toHaveLength(0);
  });

  it('sends a back-channel logout with the sid when the grant’s own session ends, and only to its client', async () => {
    const t = idp.app();
    const u = await newUser(t);
    const browser = createBrowser();
    const one = await signIn(idp, { user: u, browser, client: { backchannel_logout_uri: rp.url() } });
    const grants = (await sessionsOf(t, u.id)).filter((s) => s.door === 'oidc');
    expect(grants).toHaveLength(1);
    const ending = grants[0]!.id;
    const other = await signIn(idp, { user: u, browser, client: { backchannel_logout_uri: rp.url() } });
    const sid = one.tokens.claims()!.sid;
    expect(sid).toBeTruthy();
    const res = await t.request({ method: 'DELETE', url: `/admin/users/${u.id}/sessions/${ending}`, headers: admin });
    expect(res.statusCode).toBe(204);
    const token = await rp.next();
    const jwks = createRemoteJWKSet(new URL(`${idp.server()}/oidc/jwks`));
    const { payload } = await jwtVerify(token, jwks, { issuer: idp.server(), audience: one.client.id });
    expect(payload.sid).toBe(sid);
    expect(payload.sub).toBe(u.id);
    await expect(oidc.refreshTokenGrant(one.config, one.tokens.refresh_token!)).rejects.toThrow();
    // The user's other grant goes on, and its client was told nothing (the next token is the first client's again).
    expect((await oidc.refreshTokenGrant(other.config, other.tokens.refresh_token!)).access_token).toBeTruthy();
    await t.request({ method: 'POST', url: `/admin/users/${u.id}/disable`, headers: admin });
    const next = await jwtVerify(await rp.next(), jwks, { issuer: idp.server() });
    expect(next.payload.aud).toBe(other.client.id);
  });

  it('puts the Hasura claims in the ID token when the hasura scope is granted, not otherwise', async () => {
    const t = idp.app();
    const u = await newUser(t, ['user', 'editor']);
    const withScope = await signIn(idp, { user: u, scope: 'openid hasura' });
    expect(withScope.tokens.claims()![HASURA]).toEqual({
      'x-hasura-user-id': u.id,
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': expect.arrayContaining(['user', 'editor']),
      'x-hasura-user-is-anonymous': 'false',
    });
    const refreshed = await oidc.refreshTokenGrant(withScope.config, withScope.tokens.refresh_token!);
    expect(refreshed.claims()![HASURA]).toBeTruthy();
    const without = await signIn(idp, { user: u, scope: 'openid email' });
    expect(without.tokens.claims()![HASURA]).toBeUndefined();
    expect(without.tokens.claims()!.email).toBeUndefined();
  });
});
