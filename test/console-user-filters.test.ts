import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD } from './helpers/auth.js';
import { screenshot } from './helpers/browser.js';
import { closeConsole, openConsole, signInToConsole, useChromium, type ConsoleSession } from './helpers/console.js';

// Issue 24: the console's realm, role and state filters ask the server, which filters the whole
// list. The bug guarded: users matching a filter but not on the first page of 50 were never shown
// (the filters sifted the page already fetched).

const ADMIN_SECRET = 'console-user-filters-admin-secret-0123456789';

const browser = useChromium();

describe.each(DATABASES)('console user filters in Chromium on %s', (db) => {
  let s: ConsoleSession | undefined;
  let t: TestApp & { base: string };
  let page: Page;
  const admin = async (method: string, path: string, body?: unknown) =>
    fetch(`${t.base}${path}`, {
      method,
      headers: { 'x-admin-secret': ADMIN_SECRET, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const createUser = async (email: string, roles = ['user']) => {
    const res = await admin('POST', '/admin/users', { email, password: PASSWORD, roles, default_role: roles[0] });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    const env = { RATE_LIMIT_ENABLED: 'false' };
    s = await openConsole(browser(), db, { env, adminSecret: ADMIN_SECRET, height: 800, signIn: false });
    ({ t, page } = s);
  });
  afterAll(() => closeConsole(s));

  it('shows every user a role or state filter finds, though none is on the first page', async () => {
    await createUser('boss@filters.test', ['admin', 'user']);
    // 60 ordinary users first: more than the console's page of 50.
    for (let i = 0; i < 60; i += 10)
      await Promise.all(Array.from({ length: 10 }, (_, j) => createUser(`plain${i + j}@filters.test`)));
    await createUser('editor-a@filters.test', ['user', 'editor']);
    await createUser('editor-b@filters.test', ['user', 'editor']);
    const gone = await createUser('gone@filters.test');
    expect((await admin('POST', `/admin/users/${gone}/disable`)).status).toBe(204);

    await signInToConsole(page, t.base, 'boss@filters.test');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const emails = () => page.locator('table tbody tr td:first-child a').allTextContents();
    await expect.poll(async () => (await emails()).length).toBe(50);

    await page.getByLabel('Role', { exact: true }).fill('editor');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(emails).toEqual(['editor-a@filters.test', 'editor-b@filters.test']);
    expect(page.url()).toContain('role=editor');
    await screenshot(page, 'users-filtered', db === 'sqlite');

    await page.getByLabel('Role', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await emails()).length).toBe(50);
    await page.locator('select[name=state]').selectOption('disabled');
    await expect.poll(emails).toEqual(['gone@filters.test']);
    expect(s!.csp).toEqual([]);
  });
});
