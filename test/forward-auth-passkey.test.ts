import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { CHROMIUM, watchCsp } from './helpers/browser.js';
import { newUser, useIdp } from './helpers/idp.js';
import { startForwardAuthNginx } from './helpers/nginx.js';
import { addPasskey, type SoftAuthenticator } from './helpers/soft-authenticator.js';
import {
  passkeyCopies,
  postVerify,
  recordVerify,
  virtualAuthenticator,
  withForeignKey,
} from './helpers/virtual-authenticator.js';

/**
 * Forward-auth's own sign-in page with a passkey as the second step (an account with a password and a passkey, no
 * authenticator app: it used to be told to sign in another way), in Chromium with its virtual authenticator, behind
 * nginx: the page's script (no inline script) asks for the passkey after the password, through the same second step
 * as the provider's page.
 */
describe.each(DATABASES)('a passkey on forward-auth’s sign-in page in Chromium on %s', { timeout: 60_000 }, (db) => {
  const idp = useIdp(db, () => ({ FORWARD_AUTH_ENABLED: 'true', RATE_LIMIT_AUTH_PER_IP: '10000' }), 'localhost');
  let browser: Browser;
  let user: Awaited<ReturnType<typeof newUser>>;
  let device: SoftAuthenticator;
  let app: Server;
  let nginx: Awaited<ReturnType<typeof startForwardAuthNginx>> | undefined;
  let proxy = '';

  beforeAll(async () => {
    const t = idp.app();
    user = await newUser(t);
    device = await addPasskey(t, user.jwt);
    app = createServer((req, res) => {
      const email = req.headers['x-auth-request-email'];
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>Protected</h1><p id="who">${email}</p>`);
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    // The proxied app on Gatehouse's host name (another port): the sign-in may send the browser back there.
    nginx = await startForwardAuthNginx(idp.server(), (app.address() as { port: number }).port, 'localhost');
    proxy = nginx.url;
    browser = await chromium.launch(CHROMIUM);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  });

  /** A new browser whose authenticator holds `credential`, sent to sign in by nginx, at the page after the password. */
  async function atSecondStep(credential: object) {
    const page = await (await browser.newContext()).newPage();
    const violations = watchCsp(page);
    await virtualAuthenticator(page, [credential]);
    const signIn = await page.goto(`${proxy}/reports?year=2026`);
    await page.waitForSelector('#password-login');
    // The password page runs no script at all.
    expect(signIn?.headers()['content-security-policy']).not.toContain('script-src');
    expect(page.url()).toBe(`${idp.server()}/auth/forward/signin?rd=${proxy}/reports?year=2026`);
    await page.fill('#identifier', user.email);
    await page.fill('#password', user.password);
    const [second] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/auth/forward/signin')),
      page.click('#password-login button[type=submit]'),
    ]);
    await page.waitForSelector('#use-passkey');
    return { page, violations, csp: second.headers()['content-security-policy'] ?? '' };
  }

  const theirs = passkeyCopies(() => device);

  it('signs in with the password, then the passkey, and nginx passes the browser to the protected app', async () => {
    const { page, violations, csp } = await atSecondStep(theirs());
    // Only the second step's page may run this server's own scripts; no inline script anywhere.
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.textContent('body')).not.toContain('cannot');
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(1000);
    if (db === 'sqlite' && process.env.UPDATE_SCREENSHOTS === '1')
      await writeFile('docs/identity-provider/forward-auth-passkey.png', shot);
    await Promise.all([page.waitForURL(`${proxy}/reports?year=2026`), page.click('#use-passkey')]);
    expect(await page.textContent('#who')).toBe(user.email);
    expect(violations).toEqual([]);
  });

  it('refuses an assertion signed by another key under the same credential id, and stays on the page', async () => {
    const { page } = await atSecondStep(withForeignKey(theirs()));
    await page.click('#use-passkey');
    await page.waitForSelector('#passkey-error:not([hidden])');
    expect(await page.textContent('#passkey-error')).toMatch(/could not be verified/);
    expect(page.url()).toContain('/auth/forward/signin');
    // Not signed in: the proxy still sends this browser to sign in.
    await page.goto(`${proxy}/reports`);
    await page.waitForSelector('#password-login');
  });

  it('refuses a replayed ticket and assertion at another sign-in (the ticket was spent)', async () => {
    const first = await atSecondStep(theirs());
    const sent = recordVerify(first.page);
    await Promise.all([first.page.waitForURL(`${proxy}/**`), first.page.click('#use-passkey')]);
    expect(sent).toHaveLength(1);
    // Another browser, at its own second step, posts what the first sent (from the page: its own origin).
    const other = await atSecondStep(theirs());
    const replay = await postVerify(other.page, sent[0]!);
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid-ticket');
  });

  it('refuses the passkey step posted from another origin (CSRF)', async () => {
    const { page } = await atSecondStep(theirs());
    const ticket = await page.getAttribute('#passkey-step', 'data-ticket');
    for (const attribute of ['data-options', 'data-verify']) {
      const url = await page.getAttribute('#passkey-step', attribute);
      const res = await fetch(new URL(url!.replace(/&#38;/g, '&'), idp.server()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://evil.test' },
        body: JSON.stringify({ ticket, credential: { id: 'x', rawId: 'x', type: 'public-key', response: {} } }),
      });
      expect(res.status, attribute).toBe(403);
    }
  });
});
