import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { DATABASES, type TestApp } from './helpers/app.js';
import {
  admin,
  type Browser,
  codeFlow,
  exchange,
  newUser,
  oidc,
  signIn,
  type Idp,
  useIdp,
  useLogoutReceiver,
} from './helpers/idp.js';

type Receiver = ReturnType<typeof useLogoutReceiver>;

/** The next logout token the relying party received, verified as it would (signature, issuer, audience). */
async function nextLogout(idp: Idp, rp: Receiver, clientId: string) {
  const jwks = createRemoteJWKSet(new URL(`${idp.server()}/oidc/jwks`));
  const { payload } = await jwtVerify(await rp.next(), jwks, { issuer: idp.server(), audience: clientId });
  expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
  return payload;
}

/** The Gatehouse session a browser's single sign-on cookie names (`<user>.<session>.<signature>`). */
async function ssoSessionOf(browser: Browser, server: string): Promise<string> {
  const cookie = (await browser.jar.getCookies(server)).find((c) => c.key === 'gatehouse_sso');
  return decodeURIComponent(cookie?.value ?? '').split('.')[1] ?? '';
}

const liveSessions = async (t: TestApp, userId: string) =>
  (await t.request({ url: `/admin/users/${userId}/sessions`, headers: admin })).json().sessions as {
    id: string;
    door: string;
  }[];

describe.each(DATABASES)('back-channel logout when the provider ends a grant on %s', (db) => {
  const idp = useIdp(db);
  const rp = useLogoutReceiver();

  it('tells the client when a reused refresh token ends its grant (reuse detection)', async () => {
    const { client, config, u, tokens } = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    // The spent token again: a thief's copy, or the client's after the thief's use. The whole grant ends.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
    const logout = await nextLogout(idp, rp, client.id);
    expect(logout.sub).toBe(u.id);
    expect(logout.sid).toBe(tokens.claims()!.sid);
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toThrow();
  });

  it('tells the client when it revokes its refresh token (RFC 7009), which ends the grant', async () => {
    const { client, config, tokens } = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    const logout = await nextLogout(idp, rp, client.id);
    expect(logout.sid).toBe(tokens.claims()!.sid);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('ends the previous sign-on at prompt=login: its session, its grants (with a logout token), not the new one', async () => {
    const t = idp.app();
    const first = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    const before = await ssoSessionOf(first.browser, idp.server());
    const again = await codeFlow(first.config, first.browser, first.u, { extra: { prompt: 'login' } });
    // Bug guarded: the old sign-on session lived on beside the new one, and its grants with it.
    expect(again.pages).toHaveLength(1);
    expect(again.pages[0]).toContain('id="password-login"');
    const tokens = await exchange(first.config, again);
    const logout = await nextLogout(idp, rp, first.client.id);
    expect(logout.sid).toBe(first.tokens.claims()!.sid);
    expect(tokens.claims()!.sid).not.toBe(first.tokens.claims()!.sid);
    const after = await ssoSessionOf(first.browser, idp.server());
    expect(after).not.toBe(before);
    const sso = (await liveSessions(t, first.u.id!)).filter((s) => s.door === 'sso').map((s) => s.id);
    expect(sso).toEqual([after]);
    await expect(oidc.refreshTokenGrant(first.config, first.tokens.refresh_token!)).rejects.toThrow();
    expect((await oidc.refreshTokenGrant(first.config, tokens.refresh_token!)).access_token).toBeTruthy();
  });
});

describe.each(DATABASES)('back-channel logout to a pairwise client on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_PAIRWISE_SALT: 'a pairwise salt of at least thirty-two characters' }));
  const rp = useLogoutReceiver();

  it('names the user by the pairwise sub the client knows, not the user id', async () => {
    const t = idp.app();
    const u = await newUser(t);
    const { client, tokens } = await signIn(idp, { user: u, client: { backchannel_logout_uri: rp.url() } });
    const sub = tokens.claims()!.sub;
    expect(sub).not.toBe(u.id);
    const res = await t.request({ method: 'POST', url: `/admin/users/${u.id}/disable`, headers: admin });
    expect(res.statusCode).toBe(204);
    const logout = await nextLogout(idp, rp, client.id);
    expect(logout.sub).toBe(sub);
  });
});
