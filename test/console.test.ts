import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';
import { screenshot, serveTestApp, watchCsp } from './helpers/browser.js';
import { useChromium } from './helpers/console.js';
import { SIGN_IN_CLIENT, useProvider } from './helpers/oidc-provider.js';
import { person, seedLdif, serviceSettings, useSlapd } from './helpers/slapd.js';

const ADMIN_SECRET = 'browser-console-admin-secret-0123456789';
const _NO_SUCH_USER = '00000000-0000-4000-8000-000000000000';

const browser = useChromium();
/** A real OpenLDAP directory with one person, who signs in through a realm backed by it. */
const slapd = useSlapd(seedLdif([person('dana')]));

describe.each(DATABASES)('admin console in Chromium on %s', (db) => {
  const shots = db === 'sqlite';
  let t: TestApp & { base: string };
  let context: BrowserContext;
  let page: Page;
  let csp: string[];
  let adminEmail: string;
  let target: { id: string; email: string };

  /** The admin API over real HTTP, with the admin secret (for setting up and checking). */
  const admin = async (method: string, path: string, body?: unknown) =>
    fetch(`${t.base}${path}`, {
      method,
      headers: { 'x-admin-secret': ADMIN_SECRET, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const createUser = async (roles = ['user']) => {
    const email = uniqueEmail(roles.includes('admin') ? 'admin' : 'user');
    const res = await admin('POST', '/admin/users', { email, password: PASSWORD, roles, default_role: roles[0] });
    expect(res.status).toBe(201);
    return { id: ((await res.json()) as { id: string }).id, email };
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${t.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  // A real OpenID provider; Gatehouse's callback on this run's port is registered at its first request.
  const provider = useProvider({ redirectUris: () => [`${t.base}/auth/providers/oidc/callback`] });
  const nav = async (name: string) => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
  };

  beforeAll(async () => {
    t = await serveTestApp(db, {
      ADMIN_SECRET,
      AUTO_ACTIVATE_NEW_USERS: 'false',
      RATE_LIMIT_ENABLED: 'false',
      AUTH_PROVIDER_OIDC_ISSUER: provider.issuer(),
      AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
      AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    });
    context = await browser().newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    csp = watchCsp(page);
    adminEmail = (await createUser(['admin', 'user'])).email;
    target = await createUser();
  });
  afterAll(async () => {
    await context?.close();
    await t?.close();
  });

  it('refuses a non-admin and signs an admin in, by keyboard alone', async () => {
    const plain = await createUser();
    await page.goto(`${t.base}/console/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in', shots);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');
    await page.keyboard.type(plain.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not an administrator' }).waitFor();

    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await expect.poll(() => page.locator('.cards .big').first().textContent()).toMatch(/^\d+$/);
    await page.getByRole('heading', { name: 'Storage used' }).waitFor();
  });

  it('finds a user, disables them, and their session ends', async () => {
    const session = (await (await post('/auth/login', { email: target.email, password: PASSWORD })).json()) as {
      refresh_token: string;
    };
    expect(session.refresh_token).toBeTruthy();
    await nav('Users');
    await screenshot(page, 'users', shots);
    // The server searches: a part of the address, in another case, finds the user.
    await page
      .getByLabel('Search by a part of the email or username, or an id')
      .fill(target.email.slice(1, -4).toUpperCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: target.email }).click();
    await page.getByRole('heading', { level: 1, name: target.email }).waitFor();
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Disabled' }).waitFor();
    await page.locator('.facts .badge.disabled').waitFor();
    const refresh = await fetch(
      `${t.base}/auth/token/refresh?refresh_token=${encodeURIComponent(session.refresh_token)}`,
    );
    expect(refresh.status).toBe(401);
    // Disabling ended the session in every dialect: the list, read again, is empty.
    await page.locator('section[aria-labelledby="sessions"]').getByText('No live session.').waitFor();
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.locator('.facts .badge.active').waitFor();
  });

  it('creates a bearer token, shown once, and revokes it', async () => {
    await page.getByLabel('Token name').fill('deploy-bot');
    await page.getByRole('button', { name: 'Create token' }).click();
    const field = page.getByLabel('New token (shown once: copy it now)');
    await field.waitFor();
    const token = await field.inputValue();
    const current = () => fetch(`${t.base}/api/v1/auth/current`, { headers: { authorization: `Bearer ${token}` } });
    expect((await current()).status).toBe(200);
    await screenshot(page, 'user', shots);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByLabel('New token (shown once: copy it now)').count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke deploy-bot' }).click();
    await page.getByRole('status').filter({ hasText: 'Token revoked.' }).waitFor();
    expect((await current()).status).toBe(401);
  });

  it('impersonates a user with a HumHub token, shown once with how to use it, that signs in as them', async () => {
    await page.goto(`${t.base}/console/#/users/${target.id}`);
    await page.getByRole('heading', { level: 1, name: target.email }).waitFor();
    await page.getByRole('button', { name: 'Impersonate (HumHub token)' }).click();
    const field = page.getByLabel('Impersonation token (shown once: copy it now)');
    await field.waitFor();
    const token = await field.inputValue();
    expect(token).toMatch(/^impersonated-[A-Za-z0-9_-]+$/);
    await page
      .locator('code')
      .filter({ hasText: `Authorization: Impersonate ${token}` })
      .filter({ hasText: `${t.base}/api/v1/auth/current` })
      .waitFor();
    const current = await fetch(`${t.base}/api/v1/auth/current`, {
      headers: { authorization: `Impersonate ${token}` },
    });
    expect(current.status).toBe(200);
    expect(await current.json()).toMatchObject({ guid: target.id, account: { email: target.email } });
    await screenshot(page, 'user-impersonate', shots);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await field.count()).toBe(0);

    // A second token voids the first.
    await page.getByRole('button', { name: 'Impersonate (HumHub token)' }).click();
    expect(await page.getByLabel('Impersonation token (shown once: copy it now)').inputValue()).not.toBe(token);
    expect(
      (await fetch(`${t.base}/api/v1/auth/current`, { headers: { authorization: `Impersonate ${token}` } })).status,
    ).toBe(401);
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('bans and deletes a user', async () => {
    const victim = await createUser();
    await page.goto(`${t.base}/console/#/users/${victim.id}`);
    await page.getByRole('heading', { level: 1, name: victim.email }).waitFor();
    await page.getByLabel('Until').fill('2099-01-01T12:00');
    await page.getByLabel('Reason').fill('spam');
    await page.getByRole('button', { name: 'Ban', exact: true }).click();
    await page.locator('.facts .badge.banned').waitFor();
    expect((await post('/auth/login', { email: victim.email, password: PASSWORD })).status).toBe(401);

    const remove = page.getByRole('button', { name: 'Delete permanently' });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type the email to confirm').fill(victim.email);
    await remove.click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const left = (await (await admin('GET', `/admin/users?search=${encodeURIComponent(victim.email)}`)).json()) as {
      users: unknown[];
    };
    expect(left.users).toEqual([]);
  });

  it('pages through the users the server finds with "Next page", none twice', async () => {
    const made = await Promise.all(
      Array.from({ length: 53 }, async (_, i) => {
        const email = `pager-${db}-${String(i).padStart(2, '0')}@example.net`;
        expect((await admin('POST', '/admin/users', { email, password: PASSWORD })).status).toBe(201);
        return email;
      }),
    );
    await nav('Users');
    await page.getByLabel('Search by a part of the email or username, or an id').fill(`PAGER-${db}`);
    await page.getByRole('button', { name: 'Search' }).click();
    const emails = () => page.locator('table tbody tr td:first-child a').allTextContents();
    await expect.poll(async () => (await emails()).length).toBe(50);
    const first = await emails();
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(async () => (await emails()).length).toBe(3);
    await screenshot(page, 'users-next-page', shots);
    const second = await emails();
    expect([...first, ...second].sort()).toEqual([...made].sort());
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    await page.getByRole('button', { name: 'First page' }).click();
    await expect.poll(async () => (await emails()).length).toBe(50);
  });

  it('browses storage and previews an image through the transform API', async () => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 30, g: 110, b: 200 } } })
      .png()
      .toBuffer();
    const up = await fetch(`${t.base}/storage/o/public/gallery/blue.png`, {
      method: 'POST',
      headers: { 'x-admin-secret': ADMIN_SECRET, 'content-type': 'image/png' },
      body: new Uint8Array(png),
    });
    expect(up.status).toBe(200);
    await nav('Storage');
    await page.getByRole('link', { name: 'public/' }).click();
    await page.getByRole('link', { name: 'gallery/' }).click();
    await page.getByRole('button', { name: 'Preview blue.png' }).click();
    const preview = page.getByRole('img', { name: 'Preview of public/gallery/blue.png' });
    await preview.waitFor();
    await expect
      .poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    await screenshot(page, 'storage', shots);
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('shows the storage used on the dashboard, in total and by top-level folder', async () => {
    const usage = (await (await admin('GET', '/admin/storage/usage')).json()) as {
      bytes: number;
      files: number;
      folders: { folder: string; files: number }[];
    };
    expect(usage.files).toBe(1);
    expect(usage.folders).toEqual([expect.objectContaining({ folder: 'public', files: 1, bytes: usage.bytes })]);
    await nav('Dashboard');
    const section = page.locator('section[aria-labelledby="storage-used"]');
    await section.getByText(`in ${usage.files} file(s)`).waitFor();
    const kib = `${(usage.bytes / 1024).toFixed(1)} KiB`;
    expect(await section.locator('strong.total').textContent()).toBe(kib);
    await section.getByRole('row').filter({ hasText: 'public/' }).filter({ hasText: kib }).waitFor();
    await screenshot(page, 'dashboard', shots);
    await section.getByRole('link', { name: 'public/' }).click();
    await page.getByRole('heading', { level: 1, name: 'Storage' }).waitFor();
    await page.getByRole('link', { name: 'gallery/' }).waitFor();
  });

  it('opens an outbox mail and follows its activation link', async () => {
    const email = uniqueEmail('newcomer');
    expect((await post('/auth/register', { email, password: PASSWORD })).status).toBe(200);
    await t.app.services.background.drain();
    await nav('Outbox');
    const row = page.getByRole('row').filter({ hasText: email });
    await row.waitFor();
    await screenshot(page, 'outbox', shots);
    await row.getByRole('link').click();
    await page
      .getByText(`To${email}`)
      .or(page.locator('dd', { hasText: email }))
      .first()
      .waitFor();
    await screenshot(page, 'outbox-mail', shots);
    const link = page.locator('pre.mail-text a[href*="/auth/activate?ticket="]');
    const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    expect(tab.url()).not.toContain('error=');
    await tab.close();
    const {
      users: [user],
    } = (await (await admin('GET', `/admin/users?search=${encodeURIComponent(email)}`)).json()) as {
      users: { active: boolean }[];
    };
    expect(user!.active).toBe(true);
  });

  it("reads the audit trail of this test's actions", async () => {
    await nav('Audit log');
    // The subject is shown by email (linked to the user's page), no longer by id.
    await page.getByRole('row').filter({ hasText: 'user.disable' }).filter({ hasText: target.email }).first().waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'user.impersonate' })
      .filter({ hasText: target.email })
      .first()
      .waitFor();
    await screenshot(page, 'audit', shots);
    await page.getByLabel('Action').fill('user.impersonate');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The unfiltered page holds both impersonations too: wait until the other events are gone.
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'user.disable' }).count()).toBe(0);
    expect(await page.getByRole('row').filter({ hasText: 'user.impersonate' }).count()).toBe(2);
    expect(await page.getByRole('row').count()).toBe(3); // the header and the two events
  });

  it('creates a realm and shows the dialects and HumHub methods', async () => {
    await nav('Realms & dialects');
    await page.getByLabel('New realm').fill('staff');
    await page.getByRole('button', { name: 'Create realm' }).click();
    await page
      .getByRole('listitem')
      .filter({ hasText: /^staff/ })
      .waitFor();
    await page.getByText('humhub: on').waitFor();
    expect(await page.getByLabel('HTTP Basic').inputValue()).toBe('all');
    await screenshot(page, 'realms', shots);
  });

  it("shows a user's linked provider and the LDAP directory behind a user's realm", async () => {
    // Someone signs in with OpenID Connect in their own browser, through the provider's real login and consent pages.
    const theirs = await browser().newContext();
    try {
      const p = await theirs.newPage();
      await p.goto(`${t.base}/auth/providers/oidc`);
      await p.locator('input[name="login"]').fill(`oidc-${db}`);
      await p.locator('input[name="password"]').fill('anything');
      await p.locator('button[type="submit"]').click();
      await p.locator('button[type="submit"]').click(); // consent
      await p.waitForURL((url) => url.origin === t.base && url.searchParams.has('refresh_token'));
    } finally {
      await theirs.close();
    }
    // A directory behind the realm "corp" (the default for logins naming no realm); Dana signs in through it.
    const put = await admin('PUT', '/admin/directories/corp', { ...serviceSettings(slapd()), default: true });
    expect(put.status).toBe(201);
    expect((await post('/auth/login', { email: 'dana@example.org', password: 'dana-password' })).status).toBe(200);

    const idOf = async (email: string) => {
      const {
        users: [user],
      } = (await (await admin('GET', `/admin/users?search=${encodeURIComponent(email)}`)).json()) as {
        users: { id: string }[];
      };
      return user!.id;
    };
    const section = page.locator('section[aria-labelledby="sources"]');
    await page.goto(`${t.base}/console/#/users/${await idOf(`oidc-${db}@example.net`)}`);
    await page.getByRole('heading', { level: 1, name: `oidc-${db}@example.net` }).waitFor();
    await section.locator('dd', { hasText: /^local/ }).waitFor();
    await section
      .getByRole('row')
      .filter({ hasText: /^oidc/ })
      .filter({ hasText: `oidc-${db}@example.net` })
      .waitFor();

    await page.goto(`${t.base}/console/#/users/${await idOf('dana@example.org')}`);
    await page.getByRole('heading', { level: 1, name: 'dana@example.org' }).waitFor();
    await section.locator('dd', { hasText: `LDAP directory ${slapd().url}` }).waitFor();
    await section.locator('dd', { hasText: 'the admin API (the default directory)' }).waitFor();
    await section.getByRole('row').filter({ hasText: 'ldap:corp (directory)' }).waitFor();
    await screenshot(page, 'user-sources', shots);
  });

  it('shows the configuration with secrets masked', async () => {
    await nav('Configuration');
    const row = page.getByRole('row').filter({ hasText: 'ADMIN_SECRET' });
    await row.getByText('********').waitFor();
    expect(await page.content()).not.toContain(ADMIN_SECRET);
    await page.getByLabel('Filter').fill('secret');
    await page.getByRole('row').filter({ hasText: 'COOKIE_SECRET' }).waitFor();
    await screenshot(page, 'config', shots);
    await page.getByLabel('Filter').fill('SERVER_URL');
    await page.getByRole('cell', { name: t.base }).waitFor();
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [
      ['#/', 'Dashboard'],
      [`#/users/${target.id}`, target.email],
      ['#/users', 'Users'],
    ] as const) {
      await page.goto(`${t.base}/console/${hash}`);
      await page.getByRole('heading', { level: 1, name }).waitFor();
      // Wide tables scroll inside their own box; nothing else may push the page sideways.
      const sticking = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter(
            (e) =>
              !e.closest('.table-wrap') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5,
          )
          .map((e) => `${e.tagName}.${e.className}: ${e.textContent?.slice(0, 40)}`),
      );
      expect({ page: name, sticking }).toEqual({ page: name, sticking: [] });
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
      ).toBeLessThanOrEqual(0);
    }
    await screenshot(page, 'phone-users', shots);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('keeps the session across a reload through the httpOnly cookie, and ends it on sign-out', async () => {
    await page.goto(`${t.base}/console/#/users`);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    expect((await context.cookies()).find((c) => c.name === 'refresh_token')).toMatchObject({
      httpOnly: true,
      path: '/auth',
    });
    expect(await page.evaluate(() => document.cookie)).not.toContain('refresh_token');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(csp).toEqual([]);
  });

  it('signs in an admin with MFA: password, then the TOTP code', async () => {
    const mfaAdmin = await createUser(['admin']);
    const { jwt_token } = (await (await post('/auth/login', { email: mfaAdmin.email, password: PASSWORD })).json()) as {
      jwt_token: string;
    };
    const auth = { authorization: `Bearer ${jwt_token}` };
    const { otp_secret } = (await (await post('/auth/mfa/generate', {}, auth)).json()) as { otp_secret: string };
    expect((await post('/auth/mfa/enable', { code: codeAt(otp_secret, t.clock.now().getTime()) }, auth)).status).toBe(
      204,
    );
    t.clock.advanceSeconds(30); // the enabling code is spent

    const other = await browser().newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await other.newPage();
      const violations = watchCsp(p);
      await p.goto(`${t.base}/console/`);
      await p.getByLabel('Email').fill(mfaAdmin.email);
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Second factor' }).waitFor();
      await screenshot(p, 'sign-in-mfa', shots);
      await p.getByLabel(/Code from your authenticator app/).fill('000000');
      await p.getByRole('button', { name: 'Verify' }).click();
      await p.getByRole('alert').waitFor();
      await p.getByLabel(/Code from your authenticator app/).fill(codeAt(otp_secret, t.clock.now().getTime()));
      await p.getByRole('button', { name: 'Verify' }).click();
      await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      expect(violations).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('opens with the admin secret, kept in memory only', async () => {
    const other = await browser().newContext();
    try {
      const p = await other.newPage();
      await p.goto(`${t.base}/console/`);
      await p.getByText('Use the admin secret instead').click();
      await p.getByLabel('ADMIN_SECRET').fill('not-the-secret-but-long-enough-0123456789');
      await p.getByRole('button', { name: 'Open the console' }).click();
      await p.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
      await p.getByLabel('ADMIN_SECRET').fill(ADMIN_SECRET);
      await p.getByRole('button', { name: 'Open the console' }).click();
      await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      expect(await p.getByText('admin secret', { exact: true }).count()).toBe(1);
      await p.reload();
      await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    } finally {
      await other.close();
    }
  });
});
