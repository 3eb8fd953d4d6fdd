import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, register, uniqueEmail } from './helpers/auth.js';
import { CHROMIUM } from './helpers/browser.js';
import { freePort } from './helpers/ports.js';
import { SoftAuthenticator } from './helpers/soft-authenticator.js';
import { virtualAuthenticator } from './helpers/virtual-authenticator.js';

const ADMIN_SECRET = 'an-admin-secret-long-enough-for-the-check-0123';
const SHOTS = process.env.PASSKEY_SHOTS;

/** A page whose browser holds `credential` in a platform authenticator that answers without a touch. */
async function pageWithPasskey(browser: Browser, credential: object, conditional: boolean): Promise<Page> {
  const page = await browser.newPage();
  if (!conditional)
    await page.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
  await virtualAuthenticator(page, [credential]);
  return page;
}

describe.each(DATABASES)('the console sign-in with a passkey in Chromium on %s', (db) => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let adminEmail: string;
  let device: SoftAuthenticator;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await buildTestApp(db, { SERVER_URL: base, ADMIN_SECRET, RATE_LIMIT_AUTH_PER_IP: '10000' });
    t.clock.advance(Date.now() - t.clock.now().getTime());
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch(CHROMIUM);
    // An administrator with a password and a passkey (made by a software authenticator, then put in the browser's).
    adminEmail = uniqueEmail('admin');
    const created = await t.request({
      method: 'POST',
      url: '/admin/users',
      headers: { 'x-admin-secret': ADMIN_SECRET },
      payload: { email: adminEmail, password: PASSWORD, roles: ['admin'], default_role: 'admin' },
    });
    expect(created.statusCode).toBe(201);
    const jwt = (
      await t.request({ method: 'POST', url: '/auth/login', payload: { email: adminEmail, password: PASSWORD } })
    ).json().jwt_token as string;
    device = new SoftAuthenticator(base);
    const options = await t.request({ method: 'POST', url: '/auth/webauthn/register/options', headers: bearer(jwt) });
    const registered = await t.request({
      method: 'POST',
      url: '/auth/webauthn/register/verify',
      headers: bearer(jwt),
      payload: { credential: device.create(options.json()) },
    });
    expect(registered.statusCode).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  // Each browser starts its copy ahead of the last use: a counter that went backwards would be refused as a clone.
  let uses = 0;
  const exported = () => ({ ...device.exported(device.credentials[0]!, 'localhost'), signCount: (uses += 10) });
  const dashboard = (page: Page) => page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

  it('signs in with the "Use a passkey" button', async () => {
    const page = await pageWithPasskey(browser, exported(), false);
    await page.goto(`${base}/console/`);
    if (SHOTS && db === 'sqlite') await page.screenshot({ path: `${SHOTS}/console-sign-in.png`, fullPage: true });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await dashboard(page);
    await page.close();
  });

  it('asks for the passkey after the password, and signs in with it', async () => {
    const page = await pageWithPasskey(browser, exported(), false);
    await page.goto(`${base}/console/`);
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    const use = page.getByRole('button', { name: 'Use my passkey' });
    await use.waitFor();
    if (SHOTS && db === 'sqlite') await page.screenshot({ path: `${SHOTS}/console-second-factor.png`, fullPage: true });
    await use.click();
    await dashboard(page);
    await page.close();
  });

  it('signs in by autofill where the browser offers conditional mediation', async () => {
    const page = await pageWithPasskey(browser, exported(), true);
    await page.goto(`${base}/console/`);
    await dashboard(page);
    await page.close();
  });

  it("shows a user's passkeys and app passwords, and removes a passkey (their session stays)", async () => {
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      payload: { email: adminEmail, password: PASSWORD },
    });
    expect(login.json().methods).toEqual(['webauthn']); // the admin's own password now needs the passkey
    const user = await register(t);
    const owner = new SoftAuthenticator(base);
    const options = await t.request({
      method: 'POST',
      url: '/auth/webauthn/register/options',
      headers: bearer(user.jwt_token),
    });
    await t.request({
      method: 'POST',
      url: '/auth/webauthn/register/verify',
      headers: bearer(user.jwt_token),
      payload: { credential: owner.create(options.json()), nickname: 'work laptop' },
    });
    await t.request({
      method: 'POST',
      url: '/auth/app-passwords',
      headers: bearer(user.jwt_token),
      payload: { door: 'rocketchat', name: 'chat app' },
    });
    const page = await pageWithPasskey(browser, exported(), false);
    await page.goto(`${base}/console/`);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await dashboard(page);
    await page.goto(`${base}/console/#/users/${user.user.id}`);
    await page.getByRole('heading', { name: 'App passwords' }).waitFor();
    await page.getByRole('cell', { name: 'chat app', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Remove passkey work laptop' }).click();
    await page.getByText('Passkey removed.').waitFor();
    await page.getByText('No passkey.').waitFor();
    if (SHOTS && db === 'sqlite') await page.screenshot({ path: `${SHOTS}/console-user.png`, fullPage: true });
    expect((await t.request({ url: '/auth/user', headers: bearer(user.jwt_token) })).statusCode).toBe(200);
    await page.close();
  });
});
