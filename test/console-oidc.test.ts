import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';
import { launchChromium, screenshot, serveTestApp, watchCsp } from './helpers/browser.js';

const ADMIN_SECRET = 'console-oidc-admin-secret-0123456789abcdef';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(DATABASES)('the console manages the identity provider’s clients, in Chromium on %s', (db) => {
  let t: TestApp & { base: string };
  let context: BrowserContext;
  let page: Page;
  let csp: string[];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.base}${path}`, {
      method,
      headers: { 'x-admin-secret': ADMIN_SECRET, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  /** A client-credentials token request with this secret: 200 while the secret is the client's. */
  const tokenWith = async (clientId: string, secret: string) =>
    (
      await fetch(`${t.base}/oidc/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      })
    ).status;
  const shownSecret = async () => {
    const field = page.locator('input[name="client-secret"]');
    await field.waitFor();
    return field.inputValue();
  };

  beforeAll(async () => {
    t = await serveTestApp(db, { ADMIN_SECRET, OIDC_ENABLED: 'true', RATE_LIMIT_ENABLED: 'false' });
    const email = uniqueEmail('admin');
    await call('POST', '/admin/users', { email, password: PASSWORD, roles: ['admin', 'user'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    csp = watchCsp(page);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${t.base}/console/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  });
  afterAll(async () => {
    expect(csp).toEqual([]);
    await context?.close();
    await t?.close();
  });

  it('creates a client (its secret shown once works), edits it, rotates the secret, and deletes it', async () => {
    await page.getByRole('link', { name: 'OIDC clients' }).click();
    await page.getByRole('heading', { level: 1, name: 'OIDC clients' }).waitFor();
    const form = page.locator('#new-client');
    await form.getByLabel('Name').fill('Grafana');
    await form.getByLabel('Client id (optional)').fill('grafana');
    await form.getByLabel('Redirect URIs (one per line)').fill('https://grafana.example.com/login/generic_oauth');
    await form.getByLabel('Client credentials').check();
    await form.getByLabel('Allowed roles').fill('admin, editor');
    await form.getByLabel('Trusted (first-party: no consent screen)').check();
    await form.getByRole('button', { name: 'Create client' }).click();
    const first = await shownSecret();
    expect(first.length).toBeGreaterThan(20);
    await page.locator('tr[data-client="grafana"]').waitFor();
    await screenshot(page, 'oidc-clients', db === 'sqlite');
    const created = (await call('GET', '/admin/oidc/clients/grafana')).body;
    expect(created).toMatchObject({
      name: 'Grafana',
      trusted: true,
      public: false,
      redirect_uris: ['https://grafana.example.com/login/generic_oauth'],
      allowed_roles: ['admin', 'editor'],
    });
    expect(created.grant_types).toContain('client_credentials');
    expect(await tokenWith('grafana', first)).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();

    // Edit: a second redirect URI, one role fewer, no longer trusted.
    await page.locator('tr[data-client="grafana"]').getByRole('button', { name: 'Edit' }).click();
    const edit = page.locator('#edit-client');
    await edit
      .getByLabel('Redirect URIs (one per line)')
      .fill('https://grafana.example.com/login/generic_oauth\nhttps://grafana.example.org/login/generic_oauth');
    await edit.getByLabel('Allowed roles').fill('admin');
    await edit.getByLabel('Trusted (first-party: no consent screen)').uncheck();
    await edit.getByRole('button', { name: 'Save client' }).click();
    await page.getByRole('status').filter({ hasText: 'Grafana saved.' }).waitFor();
    const edited = (await call('GET', '/admin/oidc/clients/grafana')).body;
    expect(edited).toMatchObject({
      trusted: false,
      allowed_roles: ['admin'],
      redirect_uris: [
        'https://grafana.example.com/login/generic_oauth',
        'https://grafana.example.org/login/generic_oauth',
      ],
    });
    // An edit keeps the secret.
    expect(await tokenWith('grafana', first)).toBe(200);

    // Rotate: the new secret works, the old one stops at once.
    await page.locator('tr[data-client="grafana"]').getByRole('button', { name: 'Rotate secret' }).click();
    const second = await shownSecret();
    expect(second).not.toBe(first);
    expect(await tokenWith('grafana', second)).toBe(200);
    expect(await tokenWith('grafana', first)).toBe(401);
    await page.getByRole('button', { name: 'Done' }).click();

    await page.locator('tr[data-client="grafana"]').getByRole('button', { name: 'Delete' }).click();
    await page.locator('tr[data-client="grafana"]').waitFor({ state: 'detached' });
    expect((await call('GET', '/admin/oidc/clients/grafana')).status).toBe(404);
  });
});
