import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, type TestApp } from './helpers/app.js';
import { screenshot } from './helpers/browser.js';
import { closeConsole, openConsole, useChromium, type ConsoleSession } from './helpers/console.js';

const ADMIN_SECRET = 'console-oidc-admin-secret-0123456789abcdef';

const browser = useChromium();

describe.each(DATABASES)('the console manages the identity provider’s clients, in Chromium on %s', (db) => {
  let s: ConsoleSession | undefined;
  let t: TestApp & { base: string };
  let page: Page;
  const call: ConsoleSession['call'] = (...args) => s!.call(...args);
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
    const env = { OIDC_ENABLED: 'true', RATE_LIMIT_ENABLED: 'false' };
    s = await openConsole(browser(), db, { env, adminSecret: ADMIN_SECRET });
    ({ t, page } = s);
    page.on('dialog', (dialog) => void dialog.accept());
  });
  afterAll(() => closeConsole(s));

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
