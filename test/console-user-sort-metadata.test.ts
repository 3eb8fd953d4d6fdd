import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD } from './helpers/auth.js';
import { screenshot } from './helpers/browser.js';
import { closeConsole, openConsole, signInToConsole, useChromium, type ConsoleSession } from './helpers/console.js';

// Issue 29: the console's user list sorted by the server (its column headers), across pages of 50 with the
// server's cursors. The bug guarded: sorting only the page already fetched (the busiest user on page 2 never
// came first). And a user's JSON metadata viewed and edited on their page: JSON that is not an object is
// refused before it is sent, the server's own refusal (too large) is shown, and each save is audited.

const ADMIN_SECRET = 'console-user-sort-admin-secret-0123456789abc';

const browser = useChromium();

describe.each(DATABASES)('console user sorting and metadata in Chromium on %s', (db) => {
  let s: ConsoleSession | undefined;
  let t: TestApp & { base: string };
  let page: Page;
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
    const env = { RATE_LIMIT_ENABLED: 'false' };
    s = await openConsole(browser(), db, { env, adminSecret: ADMIN_SECRET, height: 800, signIn: false });
    ({ t, page } = s);
  });
  afterAll(() => closeConsole(s));

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
    await signInToConsole(page, t.base, 'admin@sort.test');
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
    expect(s!.csp).toEqual([]);
  }, 180_000);

  it("shows a user's metadata, refuses what is not a JSON object, saves an edit and audits its keys", async () => {
    await createUser('meta@sort.test');
    const { users } = (await (await call('GET', '/admin/users?search=meta%40sort.test')).json()) as {
      users: { id: string }[];
    };
    const id = users[0]!.id;
    expect((await call('PATCH', `/admin/users/${id}`, { metadata: { plan: 'free', seats: 1 } })).status).toBe(200);
    await page.goto(`${t.base}/console/#/users/${id}`);
    await page.getByRole('heading', { level: 1, name: 'meta@sort.test' }).waitFor();
    await page.getByText('Metadata', { exact: true }).click();
    const editor = page.getByLabel('Metadata (a JSON object)');
    expect(JSON.parse(await editor.inputValue())).toEqual({ plan: 'free', seats: 1 });
    const save = page.getByRole('button', { name: 'Save the metadata' });

    await editor.fill('["not", "an object"]');
    await save.click();
    await page.getByRole('alert').filter({ hasText: 'must be a JSON object' }).waitFor();
    await editor.fill('{"plan": "team",');
    await save.click();
    await page.getByRole('alert').filter({ hasText: 'Not JSON' }).waitFor();
    await editor.fill(JSON.stringify({ blob: 'x'.repeat(17_000) }));
    await save.click();
    await page.getByRole('alert').filter({ hasText: 'at most 16384' }).waitFor();

    await editor.fill(JSON.stringify({ plan: 'team', seats: 1, region: 'eu' }, null, 2));
    await save.click();
    await page.getByRole('status').filter({ hasText: 'Metadata saved.' }).waitFor();
    await screenshot(page, 'user-metadata', db === 'sqlite');
    const shown = (await (await call('GET', `/admin/users/${id}`)).json()) as { metadata: unknown };
    expect(shown.metadata).toEqual({ plan: 'team', seats: 1, region: 'eu' });
    const audit = (await (await call('GET', `/admin/audit?action=user.edit&subject=${id}`)).json()) as {
      entries: { actor: string; detail: unknown }[];
    };
    expect(audit.entries.map((e) => e.detail)).toEqual([
      { fields: ['metadata'], metadata_keys: ['plan', 'region'] },
      { fields: ['metadata'], metadata_keys: ['plan', 'seats'] },
    ]);
    expect(s!.csp).toEqual([]);
  }, 120_000);
});
