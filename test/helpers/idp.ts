import * as oidc from 'openid-client';
import { afterAll, beforeAll } from 'vitest';
import type { Env } from '../../src/config/load.js';
import { buildTestApp, type DatabaseKind, type TestApp } from './app.js';
import { createBrowser, type Browser } from './oidc-browser.js';
import { freePort } from './ports.js';

export const ADMIN_SECRET = 'an admin secret of at least 32 characters';
export const admin = { 'x-admin-secret': ADMIN_SECRET };

/** Gatehouse listening on a free loopback port, its issuer that URL (relying parties need real HTTP). */
export function useIdp(db: DatabaseKind, env: (server: string) => Env = () => ({})) {
  let t: TestApp | undefined;
  let server = '';
  beforeAll(async () => {
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    t = await buildTestApp(db, { SERVER_URL: server, ADMIN_SECRET, OIDC_ENABLED: 'true', ...env(server) });
    // Browsers and relying parties judge cookies and tokens by the real time: the app's clock starts there.
    t.clock.advance(Date.now() - t.clock.now().getTime());
    await t.app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.close();
  });
  return { app: () => t!, server: () => server };
}

export interface ClientSettings {
  client_id?: string;
  name?: string;
  public?: boolean;
  redirect_uris?: string[];
  grant_types?: string[];
  allowed_roles?: string[];
  trusted?: boolean;
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
}

/** Registers a client through the admin API; answers its id and (confidential clients) its secret. */
export async function createClient(t: TestApp, settings: ClientSettings) {
  const res = await t.request({
    method: 'POST',
    url: '/admin/oidc/clients',
    headers: admin,
    payload: { name: 'Test app', redirect_uris: ['http://rp.test/callback'], ...settings },
  });
  if (res.statusCode !== 201) throw new Error(`client: ${res.statusCode} ${res.body}`);
  const body = res.json() as { client: { client_id: string }; client_secret?: string };
  return { id: body.client.client_id, secret: body.client_secret };
}

/** openid-client's view of the provider for one client (plain HTTP on loopback is allowed). */
export async function relyingParty(server: string, client: { id: string; secret?: string }) {
  const auth = client.secret ? oidc.ClientSecretBasic(client.secret) : oidc.None();
  return oidc.discovery(new URL(server), client.id, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

/**
 * Starts a code flow with PKCE in `browser`, signs in on Gatehouse's page (and consents when asked), and
 * answers the callback URL the browser is sent back to.
 */
export async function codeFlow(
  config: oidc.Configuration,
  browser: Browser,
  user: { email: string; password: string },
  o: { scope?: string; redirect?: string; extra?: Record<string, string>; consent?: 'allow' | 'deny' } = {},
) {
  const redirect = o.redirect ?? 'http://rp.test/callback';
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirect,
    scope: o.scope ?? 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...o.extra,
  });
  let page = await browser.get(url.href, redirect);
  const pages: string[] = [];
  for (let step = 0; step < 4 && !page.url.startsWith(redirect); step++) {
    pages.push(page.html);
    if (page.html.includes('id="password-login"'))
      page = await browser.post(page.forms[0]!, { identifier: user.email, password: user.password }, redirect);
    else if (page.html.includes('id="allow"'))
      page = await browser.post(page.forms[o.consent === 'deny' ? 1 : 0]!, {}, redirect);
    else throw new Error(`unexpected page ${page.status}: ${page.html.slice(0, 400)}`);
  }
  return { callback: new URL(page.url), verifier, state, pages, redirect };
}

export { createBrowser, oidc };
