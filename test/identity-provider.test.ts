import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { claimsOf, logoutAll } from './helpers/auth.js';
import {
  admin,
  authorize,
  codeFlow,
  createBrowser,
  createClient,
  oidc,
  relyingParty,
  useIdp,
  exchange,
  newUser,
} from './helpers/idp.js';

const HASURA = 'https://hasura.io/jwt/claims';

describe.each(DATABASES)('Gatehouse as an OpenID Connect provider on %s', (db) => {
  const idp = useIdp(db);

  const user = (roles?: string[]) => newUser(idp.app(), roles);

  // Bug: discovery built its endpoints from the request's Host, so `Host: evil.example` published an authorization
  // and a token endpoint on another site (served to everyone from a shared cache that keys on the path).
  it('publishes every endpoint under the issuer, whatever Host or X-Forwarded-Host a request names', async () => {
    const t = idp.app();
    for (const headers of [{ host: 'evil.example' }, { 'x-forwarded-host': 'evil.example' }, {}]) {
      const res = await t.request({ url: '/.well-known/openid-configuration', headers });
      expect(res.statusCode).toBe(200);
      const doc = res.json() as Record<string, unknown>;
      expect(doc.issuer).toBe(idp.server());
      const urls = Object.entries(doc)
        .filter(([k, v]) => k !== 'issuer' && typeof v === 'string' && v.startsWith('http'))
        .map(([, v]) => v as string);
      expect(urls.length).toBeGreaterThan(4);
      for (const url of urls) expect(url.startsWith(`${idp.server()}/`), url).toBe(true);
    }
  });

  it('signs a user in with code + PKCE through the built-in page, with iss in the response (RFC 9207)', async () => {
    const t = idp.app();
    const client = await createClient(t, { trusted: true });
    const config = await relyingParty(idp.server(), client);
    const u = await user();
    const flow = await codeFlow(config, createBrowser(), u);
    expect(flow.callback.searchParams.get('iss')).toBe(idp.server());
    // A trusted (first-party) client shows no consent screen: the only page was the sign-in form.
    expect(flow.pages).toHaveLength(1);
    const tokens = await exchange(config, flow);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(u.id);
    expect(claims.iss).toBe(idp.server());
    const info = await oidc.fetchUserInfo(config, tokens.access_token, u.id);
    expect(info).toMatchObject({ sub: u.id, email: u.email, email_verified: expect.any(Boolean) });
    expect(info.preferred_username).toBeTruthy();
    expect(info.roles).toBeUndefined();
  });

  it('releases roles scoped to the client, and Hasura claims when asked', async () => {
    const t = idp.app();
    const client = await createClient(t, { trusted: true, allowed_roles: ['editor', 'viewer'] });
    const config = await relyingParty(idp.server(), client);
    const u = await user(['user', 'editor', 'ops']);
    const flow = await codeFlow(config, createBrowser(), u, { scope: 'openid roles hasura' });
    const tokens = await exchange(config, flow);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, u.id);
    expect(info.roles).toEqual(['editor']);
    expect(info.groups).toEqual(['editor']);
    expect(info[HASURA]).toEqual({
      'x-hasura-user-id': u.id,
      'x-hasura-default-role': 'editor',
      'x-hasura-allowed-roles': ['editor'],
      'x-hasura-user-is-anonymous': 'false',
    });
  });

  it('refuses a user none of whose roles the client admits (access_denied)', async () => {
    const t = idp.app();
    const client = await createClient(t, { trusted: true, allowed_roles: ['finance'] });
    const config = await relyingParty(idp.server(), client);
    const flow = await codeFlow(config, createBrowser(), await user());
    expect(flow.callback.searchParams.get('error')).toBe('access_denied');
  });

  it('asks a third-party client consent, and a refusal sends access_denied', async () => {
    const t = idp.app();
    const client = await createClient(t, {});
    const config = await relyingParty(idp.server(), client);
    const u = await user();
    const browser = createBrowser();
    const denied = await codeFlow(config, browser, u, { consent: 'deny' });
    expect(denied.pages.some((p) => p.includes('id="allow"'))).toBe(true);
    expect(denied.callback.searchParams.get('error')).toBe('access_denied');
    const allowed = await codeFlow(config, browser, u);
    expect(allowed.callback.searchParams.get('code')).toBeTruthy();
  });

  it('requires PKCE of a public client', async () => {
    const t = idp.app();
    const client = await createClient(t, { public: true, trusted: true });
    const config = await relyingParty(idp.server(), client);
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://rp.test/callback', scope: 'openid' });
    const page = await createBrowser().get(url.href, 'http://rp.test/callback');
    expect(new URL(page.url).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a redirect URI that is not registered exactly', async () => {
    const t = idp.app();
    const client = await createClient(t, { trusted: true });
    const config = await relyingParty(idp.server(), client);
    const page = await authorize(config, createBrowser(), { redirect_uri: 'http://rp.test/callback/../evil' });
    expect(page.status).toBe(400);
    expect(page.html).toContain('redirect_uri');
  });

  it('rotates refresh tokens; reusing a spent one ends the grant and its Gatehouse session', async () => {
    const t = idp.app();
    const client = await createClient(t, { trusted: true });
    const config = await relyingParty(idp.server(), client);
    const u = await user();
    const flow = await codeFlow(config, createBrowser(), u);
    const first = await exchange(config, flow);
    expect(first.refresh_token).toBeTruthy();
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const sessions = async () =>
      ((await t.request({ url: `/admin/users/${u.id}/sessions`, headers: admin })).json() as { sessions: unknown[] })
        .sessions;
    const before = (await sessions()).length;
    await expect(oidc.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.refreshTokenGrant(config, second.refresh_token!)).rejects.toThrow();
    expect((await sessions()).length).toBe(before - 1);
  });

  it('introspects and revokes tokens', async () => {
    const t = idp.app();
    const client = await createClient(t, { trusted: true });
    const config = await relyingParty(idp.server(), client);
    const u = await user();
    const flow = await codeFlow(config, createBrowser(), u);
    const tokens = await exchange(config, flow);
    const active = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(active).toMatchObject({ active: true, sub: u.id, client_id: client.id });
    await oidc.tokenRevocation(config, tokens.access_token);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('issues client-credentials tokens to a confidential client, and refuses a wrong secret', async () => {
    const t = idp.app();
    const client = await createClient(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    const config = await relyingParty(idp.server(), client);
    const tokens = await oidc.clientCredentialsGrant(config, {});
    expect(tokens.access_token).toBeTruthy();
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    const wrong = await relyingParty(idp.server(), { id: client.id, secret: `${client.secret}x` });
    await expect(oidc.clientCredentialsGrant(wrong, {})).rejects.toMatchObject({ status: 401 });
  });

  it('a rotated secret replaces the old one at once, and the store keeps only its hash', async () => {
    const t = idp.app();
    const client = await createClient(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    const res = await t.request({ method: 'POST', url: `/admin/oidc/clients/${client.id}/secret`, headers: admin });
    expect(res.statusCode).toBe(200);
    const secret = res.json().client_secret as string;
    const old = await relyingParty(idp.server(), client);
    await expect(oidc.clientCredentialsGrant(old, {})).rejects.toThrow();
    const fresh = await relyingParty(idp.server(), { id: client.id, secret });
    expect((await oidc.clientCredentialsGrant(fresh, {})).access_token).toBeTruthy();
    const row = await t.app.services.queries.oidcClients.find(client.id);
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('logout-all and disabling the user end the OIDC grant (its refresh token stops working)', async () => {
    const t = idp.app();
    const client = await createClient(t, { trusted: true });
    const config = await relyingParty(idp.server(), client);
    for (const end of ['logout-all', 'disable'] as const) {
      const u = await user();
      const flow = await codeFlow(config, createBrowser(), u);
      const tokens = await exchange(config, flow);
      if (end === 'logout-all') await logoutAll(t, u.jwt);
      else
        expect(
          (await t.request({ method: 'POST', url: `/admin/users/${u.id}/disable`, headers: admin })).statusCode,
        ).toBe(204);
      await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
      await expect(oidc.fetchUserInfo(config, tokens.access_token, u.id)).rejects.toThrow();
    }
  });

  it('signs in once per browser: a second client skips the form, prompt=login asks again', async () => {
    const t = idp.app();
    const a = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const b = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const u = await user();
    const browser = createBrowser();
    await codeFlow(a, browser, u);
    expect((await codeFlow(b, browser, u)).pages).toHaveLength(0);
    const again = await codeFlow(b, browser, u, { extra: { prompt: 'login' } });
    expect(again.pages).toHaveLength(1);
    expect(again.callback.searchParams.get('code')).toBeTruthy();
  });

  it('refuses a sign-in form posted from another site (CSRF)', async () => {
    const t = idp.app();
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const browser = createBrowser();
    const page = await authorize(config, browser);
    const u = await user();
    const refused = await browser.post(
      page.forms[0]!,
      { identifier: u.email, password: u.password },
      undefined,
      'http://evil.test',
    );
    expect(refused.status).toBe(403);
  });

  it('shows the same page for a wrong password as for an unknown account', async () => {
    const t = idp.app();
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const u = await user();
    const answers = [];
    for (const identifier of [u.email, 'nobody@example.com']) {
      const browser = createBrowser();
      const page = await authorize(config, browser);
      const res = await browser.post(page.forms[0]!, { identifier, password: 'wrong password' });
      answers.push({ status: res.status, html: res.html.replace(identifier, '').replace(/interaction\/[^/]+/, '') });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.status).toBe(401);
  });

  it('runs the device authorization grant', async () => {
    const t = idp.app();
    const client = await createClient(t, {
      public: true,
      trusted: true,
      redirect_uris: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    });
    const config = await relyingParty(idp.server(), client);
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email' });
    const u = await user();
    const browser = createBrowser();
    const xsrf = (html: string) => /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    let page = await browser.get(device.verification_uri);
    page = await browser.post(page.forms[0]!, { xsrf: xsrf(page.html), user_code: device.user_code });
    expect(page.html).toContain(device.user_code);
    page = await browser.post(page.forms[0]!, { xsrf: xsrf(page.html), user_code: device.user_code, confirm: 'yes' });
    page = await browser.post(page.forms[0]!, { identifier: u.email, password: u.password });
    expect(page.html).toContain('is signed in');
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, { ...device, interval: 0 });
    expect(claimsOf(tokens.id_token!).sub).toBe(u.id);
  });
});
