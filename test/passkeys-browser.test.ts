import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD, register } from './helpers/auth.js';
import { CHROMIUM } from './helpers/browser.js';
import { freePort } from './helpers/ports.js';
import { virtualAuthenticator, type VirtualAuthenticator } from './helpers/virtual-authenticator.js';

const SHOTS = process.env.PASSKEY_SHOTS;

/**
 * The built-in page with Chromium's virtual authenticator (the DevTools Protocol's WebAuthn domain): a
 * platform authenticator with user verification, that answers without a touch. WebAuthn refuses IP
 * addresses as RP ids, so the server is reached as localhost.
 */
describe.each(DATABASES)('passkeys on the built-in page in Chromium on %s', (db) => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let device: VirtualAuthenticator;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await buildTestApp(db, { SERVER_URL: base, RATE_LIMIT_AUTH_PER_IP: '10000' });
    t.clock.advance(Date.now() - t.clock.now().getTime());
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch(CHROMIUM);
    page = await browser.newPage();
    // This page stands for a browser without conditional mediation: its sign-in waits for the button.
    await page.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    device = await virtualAuthenticator(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = async (name: string) => {
    if (SHOTS && db === 'sqlite') await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };
  const credentials = () => device.credentials();

  let email: string;

  it('offers a passkey after a password sign-in, and creates it', async () => {
    email = (await register(t)).user.email;
    await page.goto(base);
    await page.fill('#signin-email', email);
    await page.fill('#signin-password', PASSWORD);
    await shot('sign-in');
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#offer:not([hidden])');
    await shot('offer');
    await page.click('#create-passkey');
    await page.waitForSelector('#account-result:has-text("Your passkey was created")');
    expect(await page.locator('#passkey-list li').count()).toBe(1);
    expect(await credentials()).toHaveLength(1);
    await shot('created');
  });

  it('signs in with the passkey alone, without a user name', async () => {
    await page.goto(base);
    await page.click('#passkey-signin');
    await page.waitForSelector('#account:not([hidden])');
    expect(await page.textContent('#account-who')).toContain(email);
    await shot('signed-in-with-passkey');
  });

  it('asks for the passkey after the password, as the second factor', async () => {
    await page.goto(base);
    await page.fill('#signin-email', email);
    await page.fill('#signin-password', PASSWORD);
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#second-factor:not([hidden])');
    await shot('second-factor');
    await page.click('#second-factor-go');
    await page.waitForSelector('#account:not([hidden])');
    expect(await page.textContent('#account-who')).toContain(email);
  });

  it('confirms it is you with the passkey (elevation)', async () => {
    const before = (await credentials())[0]!.signCount;
    await page.click('#elevate');
    await page.waitForSelector('#account-result:has-text("Confirmed")');
    expect((await credentials())[0]!.signCount).toBeGreaterThan(before);
    await shot('elevated');
  });

  it('signs in by autofill where the browser offers conditional mediation, without a click', async () => {
    const other = await browser.newPage();
    // The same passkey, synced to this browser's authenticator.
    await virtualAuthenticator(other, await credentials());
    await other.goto(base);
    await other.waitForSelector('#account:not([hidden])');
    expect(await other.textContent('#account-who')).toContain(email);
    await other.close();
  });

  it('removes it: the server no longer knows it, though the authenticator keeps it', async () => {
    await page.click('#passkey-list button');
    await page.waitForSelector('#account-result:has-text("removed")');
    expect(await page.textContent('#passkey-list')).toContain('None yet');
    await shot('removed');
    // The authenticator still holds it, but the server no longer knows it.
    await page.goto(base);
    await page.click('#passkey-signin');
    await page.waitForSelector('#signin-result:not([hidden])');
    expect(await page.textContent('#signin-result')).toMatch(/could not be verified/);
  });
});
