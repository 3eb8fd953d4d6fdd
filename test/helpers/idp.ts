import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { Env } from '../../src/config/load.js';
import { buildTestApp, type DatabaseKind, type TestApp } from './app.js';
import { PASSWORD, register } from './auth.js';
import { createBrowser, type Browser } from './oidc-browser.js';
import { freePort } from './ports.js';

export const ADMIN_SECRET = 'an admin secret of at least 32 characters';
export const admin = { 'x-admin-secret': ADMIN_SECRET };

/**
 * Gatehouse listening on a free loopback port, its issuer that URL (relying parties need real HTTP). `host`
 * `localhost` for passkeys: WebAuthn refuses an IP address as the relying party's id.
 */
export function useIdp(db: DatabaseKind, env: (server: string) => Env = () => ({}), host = '127.0.0.1') {
  let t: TestApp | undefined;
  let server = '';
  beforeAll(async () => {
    const port = await freePort();
    server = `http://${host}:${port}`;
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

/** A user who signs in on the provider's page; `code` answers the second step (a TOTP code) when asked. */
export interface IdpUser {
  id?: string;
  email: string;
  password: string;
  code?: () => string;
}

/**
 * Starts a code flow with PKCE in `browser`, signs in on Gatehouse's page (and its second step, and consents
 * when asked), and answers the callback URL the browser is sent back to.
 */
export async function codeFlow(
  config: oidc.Configuration,
  browser: Browser,
  user: IdpUser,
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
    if (page.html.includes('id="second-factor"') && user.code)
      page = await browser.post(page.forms[0]!, { ...hiddenFields(page.html), code: user.code() }, redirect);
    else if (page.html.includes('id="password-login"'))
      page = await browser.post(page.forms[0]!, { identifier: user.email, password: user.password }, redirect);
    else if (page.html.includes('id="allow"'))
      page = await browser.post(page.forms[o.consent === 'deny' ? 1 : 0]!, {}, redirect);
    else throw new Error(`unexpected page ${page.status}: ${page.html.slice(0, 400)}`);
  }
  return { callback: new URL(page.url), verifier, state, pages, redirect };
}

/**
 * Sends `browser` to a new authorization request (a throwaway PKCE verifier, scope `openid` and the callback unless
 * `params` say otherwise) and answers the page it shows, stopping at the callback.
 */
export async function authorize(config: oidc.Configuration, browser: Browser, params: Record<string, string> = {}) {
  const redirect = params.redirect_uri ?? 'http://rp.test/callback';
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirect,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    ...params,
  });
  return browser.get(url.href, redirect);
}

/** The hidden inputs of a page's forms (name → value). */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = m[2]!;
  return fields;
}

/** Exchanges the code of a finished flow (PKCE and state checked by openid-client). */
export const exchange = (config: oidc.Configuration, flow: Awaited<ReturnType<typeof codeFlow>>) =>
  oidc.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state });

/** A new user through the HBP API, with these roles (the first the default) when given. */
export async function newUser(t: TestApp, roles?: string[]) {
  const session = await register(t);
  if (roles) {
    const res = await t.request({
      method: 'PUT',
      url: `/admin/users/${session.user.id}/roles`,
      headers: admin,
      payload: { roles, default_role: roles[0] },
    });
    if (res.statusCode !== 204) throw new Error(`roles: ${res.statusCode} ${res.body}`);
  }
  return { id: session.user.id, email: session.user.email, password: PASSWORD, jwt: session.jwt_token };
}

/**
 * The identity-provider suites' one sign-in: a new client (trusted unless said otherwise), openid-client's
 * view of it, a user (new unless given) signed in through the code flow in a browser (new unless given), and
 * the tokens of the code.
 */
export async function signIn(
  idp: Idp,
  o: {
    client?: ClientSettings;
    user?: IdpUser;
    browser?: Browser;
    scope?: string;
    extra?: Record<string, string>;
  } = {},
) {
  const t = idp.app();
  const client = await createClient(t, { trusted: true, ...o.client });
  const config = await relyingParty(idp.server(), client);
  const u = o.user ?? (await newUser(t));
  const browser = o.browser ?? createBrowser();
  const flow = await codeFlow(config, browser, u, { scope: o.scope, extra: o.extra });
  const tokens = await exchange(config, flow);
  return { t, client, config, u, browser, flow, tokens };
}

export type Idp = ReturnType<typeof useIdp>;

/** A relying party's back-channel logout endpoint: each logout token it receives, as posted. */
export function useLogoutReceiver() {
  let server: Server | undefined;
  const waiting: ((token: string) => void)[] = [];
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('logout_token') ?? '';
        // To the test waiting for it, else kept for the next one (each token is delivered once).
        const waiter = waiting.shift();
        if (waiter) waiter(token);
        else received.push(token);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));
  return {
    url: () => `http://127.0.0.1:${(server!.address() as { port: number }).port}/backchannel`,
    /** The next logout token, or one already received and not yet taken. */
    next: () =>
      new Promise<string>((resolve) => (received.length ? resolve(received.shift()!) : waiting.push(resolve))),
  };
}

/** The next logout token the relying party received, verified as it would (signature, issuer, audience, event). */
export async function nextLogout(idp: Idp, rp: LogoutReceiver, clientId?: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${idp.server()}/oidc/jwks`));
  const { payload } = await jwtVerify(await rp.next(), jwks, { issuer: idp.server(), audience: clientId });
  if (JSON.stringify(payload.events) !== '{"http://schemas.openid.net/event/backchannel-logout":{}}')
    throw new Error(`not a logout token: ${JSON.stringify(payload)}`);
  return payload;
}

/** The Gatehouse session a browser's single sign-on cookie names (`<user>.<session>.<signature>`). */
export async function ssoSessionOf(browser: Browser, server: string): Promise<string> {
  const cookie = (await browser.jar.getCookies(server)).find((c) => c.key === 'gatehouse_sso');
  return decodeURIComponent(cookie?.value ?? '').split('.')[1] ?? '';
}

/** A browser a new user (role `user` only) signed on with at forward-auth's own page, with no return address. */
export async function signedOnBrowser(idp: Idp): Promise<Browser> {
  const session = await register(idp.app());
  const browser = createBrowser();
  const form = await browser.get(`${idp.server()}/auth/forward/signin`);
  await browser.post(form.forms[0]!, { identifier: session.user.email, password: PASSWORD });
  return browser;
}

/** A user's live sessions as the admin API lists them. */
export async function sessionsOf(t: TestApp, userId: string): Promise<{ id: string; door: string }[]> {
  return (await t.request({ url: `/admin/users/${userId}/sessions`, headers: admin })).json().sessions;
}

export type LogoutReceiver = ReturnType<typeof useLogoutReceiver>;

export { type Browser, createBrowser, oidc };
