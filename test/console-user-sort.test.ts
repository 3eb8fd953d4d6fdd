import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD } from './helpers/auth.js';
import { launchChromium, screenshot, serveTestApp, watchCsp } from './helpers/browser.js';

// Issue 29: the console's user list sorted by the server (its column headers), across pages of 50 with the
// server's cursors. The bug guarded: sorting only the page already fetched (the busiest user on page 2 never
// came first).

const ADMIN_SECRET = 'console-user-sort-admin-secret-0123456789abc';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(DATABASES)('console user sorting in Chromium on %s', (db) => {
  let t: TestApp & { base: string };
  let page: Page;
  let csp: string[];
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${t.base}${path}`, {
      method,
      headers: { 'x-admin-secret': ADMIN_SECRET, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const createUser = async (email: string, roles = ['user']) => {
    const res = await call('POST', '/admin/users', { email, password: PASSWORD, roles, default_role: roles[0] });
    expect(res.status).toBe(201);
  };
  const signIn = async (email: string) => {
    t.clock.advanceSeconds(60);
    const res = await fetch(`${t.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    t = await serveTestApp(db, { ADMIN_SECRET, RATE_LIMIT_ENABLED: 'false' });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    csp = watchCsp(page);
  });
  afterAll(async () => {
    await page?.context().close();
    await t?.close();
  });

  it('sorts the whole list by a column header, both ways, and pages in that order', async () => {
    await createUser('admin@sort.test', ['admin', 'user']);
    for (let i = 0; i < 60; i += 10)
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => createUser(`u${String(i + j).padStart(2, '0')}@sort.test`)),
      );
    // The last created (on no first page in creation order) signs in most; the first never.
    await createUser('busy@sort.test');
    for (let i = 0; i < 3; i++) await signIn('busy@sort.test');
    await signIn('u30@sort.test');

    t.clock.advanceSeconds(60);
    await page.goto(`${t.base}/console/`);
    await page.getByLabel('Email').fill('admin@sort.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const emails = () => page.locator('table tbody tr td:first-child a').allTextContents();
    const header = (name: string) => page.getByRole('columnheader', { name: new RegExp(`^${name}`) });
    await expect.poll(async () => (await emails()).length).toBe(50);
    expect((await emails()).includes('busy@sort.test')).toBe(false);

    await header('Sign-ins').getByRole('link').click();
    await expect
      .poll(async () => (await emails()).slice(0, 3))
      .toEqual(['busy@sort.test', 'u30@sort.test', 'admin@sort.test']);
    expect(await header('Sign-ins').getAttribute('aria-sort')).toBe('descending');
    expect(page.url()).toContain('sort=sign_ins');
    await screenshot(page, 'users-sorted', db === 'sqlite');

    await header('Email').getByRole('link').click();
    await expect.poll(async () => (await emails())[0]).toBe('admin@sort.test');
    expect(await header('Email').getAttribute('aria-sort')).toBe('ascending');
    const firstPage = await emails();
    expect(firstPage).toEqual([...firstPage].sort());
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(async () => (await emails())[0]).not.toBe('admin@sort.test');
    const secondPage = await emails();
    expect(secondPage).toEqual([...secondPage].sort());
    expect(secondPage[0]! > firstPage[49]!).toBe(true);
    expect(firstPage.length + secondPage.length).toBe(62);

    await header('Email').getByRole('link').click();
    await expect.poll(async () => (await emails())[0]).toBe('u59@sort.test');
    expect(await header('Email').getAttribute('aria-sort')).toBe('descending');

    await header('Last seen').getByRole('link').click();
    await expect.poll(async () => (await emails())[0]).toBe('admin@sort.test');
    expect((await emails()).slice(1, 3)).toEqual(['u30@sort.test', 'busy@sort.test']);
    expect(csp).toEqual([]);
  }, 180_000);
});
