import { writeFile } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { PASSWORD, register } from './helpers/auth.js';
import { startApacheOidc } from './helpers/apache.js';
import { createClient, useIdp } from './helpers/idp.js';
import { freePort } from './helpers/ports.js';

describe.each(DATABASES)("Apache's mod_auth_openidc signs in through Gatehouse on %s", (db) => {
  const idp = useIdp(db);
  let apache: Awaited<ReturnType<typeof startApacheOidc>> | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    const t = idp.app();
    const port = await freePort();
    const client = await createClient(t, {
      name: 'Intranet',
      trusted: true,
      redirect_uris: [`http://127.0.0.1:${port}/protected/redirect_uri`],
    });
    apache = await startApacheOidc({ port, issuer: idp.server(), client: { id: client.id, secret: client.secret! } });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await apache?.stop();
  });

  it('a page protected by mod_auth_openidc opens after signing in on the built-in page', async () => {
    const t = idp.app();
    const session = await register(t);
    const page = await (await browser!.newContext()).newPage();
    await page.goto(`${apache!.base}/protected/index.html`);
    await page.waitForSelector('#password-login');
    expect(page.url().startsWith(`${idp.server()}/oidc/interaction/`)).toBe(true);
    expect(await page.textContent('body')).toContain('Intranet');
    await page.fill('#identifier', session.user.email);
    await page.fill('#password', PASSWORD);
    const shot = await page.screenshot();
    expect(shot.length).toBeGreaterThan(1000);
    if (db === 'sqlite' && process.env.UPDATE_SCREENSHOTS === '1')
      await writeFile('docs/identity-provider/sign-in.png', shot);
    // Regression: under `Referrer-Policy: no-referrer` Chromium posted the form with `Origin: null`, which the
    // CSRF check refused ("sent from another site"); the pages now use `same-origin`.
    await Promise.all([page.waitForURL(`${apache!.base}/protected/index.html`), page.click('button[type=submit]')]);
    expect(await page.textContent('h1')).toBe('Secret page');
  });
});
