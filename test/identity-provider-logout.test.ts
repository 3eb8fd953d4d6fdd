import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { logoutAll, PASSWORD, register } from './helpers/auth.js';
import {
  admin,
  authorize,
  type ClientSettings,
  codeFlow,
  createBrowser,
  createClient,
  oidc,
  relyingParty,
  signIn,
  useIdp,
  useLogoutReceiver,
  exchange,
  newUser,
  nextLogout,
} from './helpers/idp.js';

describe.each(DATABASES)('logout at the identity provider on %s', (db) => {
  const idp = useIdp(db);
  const rp = useLogoutReceiver();

  const signedIn = (client: ClientSettings = {}) => signIn(idp, { client });

  it('sends a signed back-channel logout token when an admin disables the user, and ends the grant', async () => {
    const { t, client, config, u, tokens } = await signedIn({ backchannel_logout_uri: rp.url() });
    const res = await t.request({ method: 'POST', url: `/admin/users/${u.id}/disable`, headers: admin });
    expect(res.statusCode).toBe(204);
    const token = await rp.next();
    const jwks = createRemoteJWKSet(new URL(`${idp.server()}/oidc/jwks`));
    const { payload } = await jwtVerify(token, jwks, { issuer: idp.server(), audience: client.id });
    expect(payload.sub).toBe(u.id);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(payload.nonce).toBeUndefined();
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
  });

  it('RP-initiated logout ends the grant and the single sign-on session, then returns to the registered URI', async () => {
    const back = 'http://rp.test/signed-out';
    const { config, u, browser, tokens } = await signedIn({ post_logout_redirect_uris: [back] });
    const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: back });
    const confirm = await browser.get(end.href, back);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)?.[1] ?? '';
    const done = await browser.post(confirm.forms[0]!, { xsrf, logout: 'yes' }, back);
    expect(done.url).toBe(back);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
    // The browser is signed out of Gatehouse: the next sign-in asks for the password again.
    const again = await codeFlow(config, browser, u);
    expect(again.pages).toHaveLength(1);
  });

  it('tells an offline_access client once that its session ended: at RP-initiated logout, not when its grant ends', async () => {
    const back = 'http://rp.test/signed-out';
    const t = idp.app();
    const u = await newUser(t);
    const browser = createBrowser();
    const logout = { backchannel_logout_uri: rp.url() };
    const online = await signIn(idp, { user: u, browser, client: { ...logout, post_logout_redirect_uris: [back] } });
    const offline = await signIn(idp, {
      ...{ user: u, browser, client: logout, scope: 'openid offline_access' },
      extra: { prompt: 'consent' },
    });
    const end = oidc.buildEndSessionUrl(online.config, {
      id_token_hint: online.tokens.id_token!,
      post_logout_redirect_uri: back,
    });
    const confirm = await browser.get(end.href, back);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)?.[1] ?? '';
    expect((await browser.post(confirm.forms[0]!, { xsrf, logout: 'yes' }, back)).url).toBe(back);
    // Signing out of everything tells both clients that their session ended; the offline grant goes on.
    const told = [await nextLogout(idp, rp), await nextLogout(idp, rp)];
    const sidOf = (grant: typeof online) => grant.tokens.claims()!.sid;
    expect(told.map((x) => [x.aud, x.sid]).sort()).toEqual(
      [
        [online.client.id, sidOf(online)],
        [offline.client.id, sidOf(offline)],
      ].sort(),
    );
    expect(await oidc.refreshTokenGrant(offline.config, offline.tokens.refresh_token!)).toBeTruthy();
    // The offline grant ends with the account. Bug guarded: its client got a second logout token for the same sid.
    expect((await t.request({ method: 'POST', url: `/admin/users/${u.id}/disable`, headers: admin })).statusCode).toBe(
      204,
    );
    await expect(oidc.refreshTokenGrant(offline.config, offline.tokens.refresh_token!)).rejects.toThrow();
    const other = await signIn(idp, { client: logout });
    await t.request({ method: 'POST', url: `/admin/users/${other.u.id}/disable`, headers: admin });
    expect((await nextLogout(idp, rp)).aud).toBe(other.client.id);
  });

  it('refuses a post-logout redirect URI that is not registered', async () => {
    const { config, browser, tokens } = await signedIn({ post_logout_redirect_uris: ['http://rp.test/signed-out'] });
    const end = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://evil.test/',
    });
    const page = await browser.get(end.href);
    expect(page.status).toBe(400);
  });
});

describe.each(DATABASES)('a disabled user at the identity provider on %s', (db) => {
  const idp = useIdp(db);

  it("gets no code from the provider's own browser session once disabled (no sign-in without the registry)", async () => {
    const t = idp.app();
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const session = await register(t);
    const u = { email: session.user.email, password: PASSWORD };
    const browser = createBrowser();
    await codeFlow(config, browser, u);
    expect((await codeFlow(config, browser, u)).pages).toHaveLength(0);
    const res = await t.request({ method: 'POST', url: `/admin/users/${session.user.id}/disable`, headers: admin });
    expect(res.statusCode).toBe(204);
    // Asked to sign in again, where the pipeline refuses the disabled account.
    const page = await authorize(config, browser);
    expect(page.url.startsWith('http://rp.test/callback')).toBe(false);
    expect(page.html).toContain('id="password-login"');
    const refused = await browser.post(page.forms[0]!, { identifier: u.email, password: u.password });
    expect(refused.status).toBe(401);
  });

  it("logout-all ends the provider's browser session too: the next client asks for the password", async () => {
    const t = idp.app();
    const first = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const session = await register(t);
    const u = { email: session.user.email, password: PASSWORD };
    const browser = createBrowser();
    await codeFlow(first, browser, u);
    await logoutAll(t, session.jwt_token);
    const second = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    expect((await codeFlow(second, browser, u)).pages).toHaveLength(1);
  });

  it("refuses to introspect another client's token to an untrusted client", async () => {
    const t = idp.app();
    const owner = await createClient(t, { trusted: true });
    const config = await relyingParty(idp.server(), owner);
    const other = await relyingParty(idp.server(), await createClient(t, { trusted: false }));
    const session = await register(t);
    const flow = await codeFlow(config, createBrowser(), { email: session.user.email, password: PASSWORD });
    const tokens = await exchange(config, flow);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    expect((await oidc.tokenIntrospection(other, tokens.access_token)).active).toBe(false);
  });
});
