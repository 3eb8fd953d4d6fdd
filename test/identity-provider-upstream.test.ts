import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { createBrowser, createClient, oidc, relyingParty, useIdp } from './helpers/idp.js';
import { SIGN_IN_CLIENT, throughProvider, useProvider } from './helpers/oidc-provider.js';

const RP = 'http://rp.test/callback';

describe.each(DATABASES)('signing in to a relying party with an upstream provider on %s', (db) => {
  let server = '';
  const upstream = useProvider({ redirectUris: () => [`${server}/auth/providers/oidc/callback`] });
  const idp = useIdp(db, (s) => {
    server = s;
    return {
      AUTH_PROVIDER_OIDC_ISSUER: upstream.issuer(),
      AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
      AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
      FORWARD_AUTH_ENABLED: 'true',
    };
  });

  it('the sign-in page offers the provider; its sign-in continues the authorization', async () => {
    const t = idp.app();
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: RP,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = createBrowser();
    const page = await browser.get(url.href);
    const link = /<a class="provider" href="([^"]+)"/.exec(page.html)?.[1]?.replace(/&#38;/g, '&');
    expect(link).toBeTruthy();
    const atUpstream = await browser.get(new URL(link!, idp.server()).href, upstream.issuer());
    const callback = await throughProvider(atUpstream.url, 'rita', `${idp.server()}/auth/providers/oidc/callback`);
    const back = await browser.get(callback, RP);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), {
      pkceCodeVerifier: verifier,
      expectedState: oidc.skipStateCheck,
    });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    expect(info.email).toBe('rita@example.net');
    // The provider sign-in's own HBP session only carried it: the user has the SSO and the grant sessions.
    const sessions = await t.request({
      url: `/admin/users/${tokens.claims()!.sub}/sessions`,
      headers: { 'x-admin-secret': 'an admin secret of at least 32 characters' },
    });
    const doors = (sessions.json() as { sessions: { door: string }[] }).sessions.map((x) => x.door).sort();
    expect(doors).toEqual(['oidc', 'sso']);
  });

  it('refuses to continue anywhere but this server (next is a local path it knows)', async () => {
    const browser = createBrowser();
    const page = await browser.get(`${idp.server()}/auth/sso/provider-done?next=${encodeURIComponent('//evil.test/')}`);
    expect(page.status).toBe(401);
  });
});
