import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { bearer, claimsOf, uniqueEmail } from '../helpers/auth.js';
import { CHROMIUM } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { virtualAuthenticator, type VirtualAuthenticator } from '../helpers/virtual-authenticator.js';

// @nhost/hasura-auth-js 2.12.0, unchanged (its published UMD bundle, with @simplewebauthn/browser 9 inside), in
// Debian's Chromium with a virtual authenticator, on an app origin of its own: every security-key call of the
// client against the hasura-auth door. WebAuthn refuses IP addresses as RP ids, so both origins are localhost.
const require = createRequire(import.meta.url);
const UMD = path.join(path.dirname(require.resolve('@nhost/hasura-auth-js/package.json')), 'umd/hasura-auth-js.umd.js');

/** The app: one page that loads the client and creates it against the door, as `window.auth`. */
async function serveApp(authUrl: string): Promise<{ origin: string; server: Server }> {
  const port = await freePort();
  const bundle = readFileSync(UMD, 'utf8');
  // The bundle reads process.env as bundlers leave it; the page gives it an empty one.
  const page = `<!doctype html><html><head><title>An nhost app</title><script>window.process = { env: {} }</script>
<script src="/client.js"></script>
<script>window.auth = new window['@nhost/hasura-auth-js'].HasuraAuthClient({ url: ${JSON.stringify(authUrl)},
  autoRefreshToken: false, autoSignIn: false });</script></head><body></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/client.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { origin: `http://localhost:${port}`, server };
}

interface Reply {
  session?: { accessToken: string; user: { id: string; email: string } } | null;
  error?: { error: string; message: string } | null;
  key?: { id: string; nickname?: string };
  elevated?: boolean;
}

describe.each(DATABASES)('@nhost/hasura-auth-js security keys in Chromium on %s', (db) => {
  let t: TestApp;
  let app: { origin: string; server: Server };
  let browser: Browser;
  let page: Page;
  let device: VirtualAuthenticator;
  const email = uniqueEmail('key');

  /** Runs `call` on the page's client and answers its JSON-safe result. */
  const client = (call: string, arg?: unknown): Promise<Reply> =>
    page.evaluate(
      // biome-ignore lint/security/noGlobalEval: the call is this suite's own text, run in the test page
      async ([code, a]) => JSON.parse(JSON.stringify(await eval(`(a) => window.auth.${code}`)(a))),
      [call, arg] as const,
    );

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    app = await serveApp(`${base}/v1/auth`);
    t = await buildTestApp(db, { SERVER_URL: base, CORS_ORIGINS: app.origin, RATE_LIMIT_AUTH_PER_IP: '10000' });
    t.clock.advance(Date.now() - t.clock.now().getTime());
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch(CHROMIUM);
    page = await browser.newPage();
    await page.goto(app.origin);
    device = await virtualAuthenticator(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
    await t?.close();
  });

  let userId: string;

  it('signs up with signUp({ email, securityKey: true })', async () => {
    const res = await client('signUp(a)', { email, securityKey: true, options: { displayName: 'Key Holder' } });
    expect(res.error).toBeNull();
    expect(res.session?.user).toMatchObject({ email, displayName: 'Key Holder' });
    userId = res.session!.user.id;
    expect(await device.credentials()).toHaveLength(1);
    await client('signOut()');
  });

  it('signs in with signIn({ email, securityKey: true })', async () => {
    const before = (await device.credentials())[0]!.signCount;
    const res = await client('signIn(a)', { email, securityKey: true });
    expect(res.error).toBeNull();
    expect(res.session?.user.id).toBe(userId);
    expect((await device.credentials())[0]!.signCount).toBeGreaterThan(before);
    await client('signOut()');
  });

  it('signs in without a user name with signInSecurityKey()', async () => {
    const res = await client('signInSecurityKey()');
    expect(res.error).toBeNull();
    expect(res.session?.user.id).toBe(userId);
    expect(await client('isAuthenticated()')).toBe(true);
  });

  it('elevates with elevateEmailSecurityKey(email): the client holds an elevated access token', async () => {
    const res = await client('elevateEmailSecurityKey(a)', email);
    expect(res).toMatchObject({ elevated: true, isSuccess: true, error: null });
    const token = (await client('getAccessToken()')) as unknown as string;
    expect(claimsOf(token)[t.config.jwt.claimsNamespace]).toMatchObject({ 'x-hasura-auth-elevated': userId });
  });

  it('adds a second key with addSecurityKey(nickname), which signs in on its own', async () => {
    // The authenticator holds the first key, which the options exclude: emptied, it stands for another device.
    await device.clear();
    const res = await client('addSecurityKey(a)', 'second key');
    expect(res.error).toBeNull();
    expect(res.key).toMatchObject({ id: expect.any(String), nickname: 'second key' });
    const token = (await client('getAccessToken()')) as unknown as string;
    const list = await t.request({ url: '/auth/webauthn/passkeys', headers: bearer(token) });
    expect(list.json().map((p: { nickname: string | null }) => p.nickname)).toContain('second key');
    await client('signOut()');
    const again = await client('signInSecurityKey()');
    expect(again.session?.user.id).toBe(userId);
    expect(await device.credentials()).toHaveLength(1);
  });
});
