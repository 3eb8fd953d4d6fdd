import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, type TestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';
import { screenshot } from './helpers/browser.js';
import { closeConsole, openConsole, useChromium, type ConsoleSession } from './helpers/console.js';

const ADMIN_SECRET = 'console-operators-admin-secret-0123456789';

const browser = useChromium();

describe.each(DATABASES)('the console fixes accounts by hand, in Chromium on %s', (db) => {
  let s: ConsoleSession | undefined;
  let t: TestApp & { base: string };
  let page: Page;
  let adminId: string;
  const call: ConsoleSession['call'] = (...args) => s!.call(...args);
  const user = async (id: string) => (await call('GET', `/admin/users/${id}`)).body;
  const openUser = async (id: string, email: string) => {
    await page.goto(`${t.base}/console/#/users/${id}`);
    await page.getByRole('heading', { level: 1, name: email }).waitFor();
  };

  beforeAll(async () => {
    const env = { AUTO_ACTIVATE_NEW_USERS: 'false', RATE_LIMIT_ENABLED: 'false' };
    s = await openConsole(browser(), db, { env, adminSecret: ADMIN_SECRET });
    ({ t, page } = s);
    adminId = s.admin!.id;
  });
  afterAll(() => closeConsole(s));

  it('activates a pending account and mails its activation again, each audited with the admin as actor', async () => {
    const email = uniqueEmail('pending');
    const { body } = await call('POST', '/auth/register', { email, password: PASSWORD }, { 'x-admin-secret': '' });
    const id = body.user.id as string;
    await openUser(id, email);
    await page.getByRole('button', { name: 'Resend the activation mail' }).click();
    await page.getByRole('status').filter({ hasText: 'A new activation mail is on its way.' }).waitFor();
    await screenshot(page, 'user-pending', db === 'sqlite');
    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.locator('.facts .badge.active').waitFor();
    expect((await user(id)).active).toBe(true);
    const audit = (await call('GET', `/admin/audit?subject=${id}`)).body.entries as { action: string; actor: string }[];
    expect(audit.filter((e) => e.action.startsWith('user.activat')).map((e) => [e.action, e.actor])).toEqual([
      ['user.activate', adminId],
      ['user.activation.resend', adminId],
    ]);
  });

  it('resets the second factor of a user who lost their phone', async () => {
    const email = uniqueEmail('phone');
    const id = (await call('POST', '/admin/users', { email, password: PASSWORD })).body.id as string;
    const jwt = (await call('POST', '/auth/login', { email, password: PASSWORD })).body.jwt_token as string;
    const auth = { authorization: `Bearer ${jwt}` };
    const { otp_secret } = (await call('POST', '/auth/mfa/generate', undefined, auth)).body;
    const code = codeAt(otp_secret, Date.now());
    expect((await call('POST', '/auth/mfa/enable', { code }, auth)).status).toBe(204);
    expect((await call('POST', '/auth/login', { email, password: 'not the password' })).status).toBe(401);
    await openUser(id, email);
    // Sign-in counts and last seen, from the audit log and the newest refresh token.
    await page.getByText(/Sign-ins in the last 30 days: 1 \(failed: 1\)\. Last seen: \d/).waitFor();
    const activity = (await call('GET', `/admin/users/${id}/activity`)).body;
    expect(activity).toMatchObject({ sign_ins_30d: 1, failed_sign_ins_30d: 1 });
    expect(Date.parse(activity.last_seen_at)).toBeGreaterThanOrEqual(Date.parse(activity.last_sign_in_at));
    await page.getByRole('button', { name: 'Reset MFA (lost phone)' }).click();
    await page.getByRole('status').filter({ hasText: 'Second factor removed' }).waitFor();
    expect((await user(id)).mfa_enabled).toBe(false);
    const login = await call('POST', '/auth/login', { email, password: PASSWORD });
    expect(login.body.jwt_token).toBeTypeOf('string');
  });

  it('edits the email, username and display name; the new email ends the sessions', async () => {
    const email = uniqueEmail('edit');
    const id = (await call('POST', '/admin/users', { email, password: PASSWORD })).body.id as string;
    const refresh = (await call('POST', '/auth/login', { email, password: PASSWORD })).body.refresh_token as string;
    await openUser(id, email);
    await page.getByText('Edit the profile').click();
    const renamed = uniqueEmail('edited');
    const form = page.getByRole('form', { name: 'Edit the profile' });
    // Regression: the form kept the previously opened user's values, so saving would have copied them here.
    expect(await form.getByLabel('Email').inputValue()).toBe(email);
    expect(await page.getByRole('status').filter({ hasText: 'Second factor removed' }).count()).toBe(0);
    await form.getByLabel('Email').fill(renamed);
    await form.getByLabel('Username').fill('edited.by.console');
    await form.getByLabel('Display name').fill('Edited By Console');
    await screenshot(page, 'user-edit', db === 'sqlite');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'every session of the user ended' }).waitFor();
    expect(await user(id)).toMatchObject({
      email: renamed,
      username: 'edited.by.console',
      display_name: 'Edited By Console',
    });
    const again = await fetch(`${t.base}/auth/token/refresh?refresh_token=${encodeURIComponent(refresh)}`);
    expect(again.status).toBe(401);
  });

  it('uploads a file into the folder on screen and deletes it', async () => {
    await page.goto(`${t.base}/console/#/storage?path=public/docs`);
    const form = page.getByRole('form', { name: 'Upload a file' });
    await form.getByLabel('File', { exact: true }).setInputFiles({
      name: 'hello.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('uploaded from the console'),
    });
    await form.getByRole('button', { name: 'Upload to public/docs/' }).click();
    await page.getByRole('status').filter({ hasText: 'Uploaded public/docs/hello.txt.' }).waitFor();
    await page.getByRole('button', { name: 'Delete hello.txt' }).waitFor();
    expect(await (await fetch(`${t.base}/storage/o/public/docs/hello.txt`)).text()).toBe('uploaded from the console');
    await screenshot(page, 'storage-upload', db === 'sqlite');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete hello.txt' }).click();
    await page.getByRole('status').filter({ hasText: 'hello.txt deleted.' }).waitFor();
    expect((await fetch(`${t.base}/storage/o/public/docs/hello.txt`)).status).toBe(404);
  });

  it('shows who acted and on whom by name and email, linked to their pages', async () => {
    await page.goto(`${t.base}/console/#/audit?action=user.activate`);
    const row = page.getByRole('row').filter({ hasText: 'user.activate' }).first();
    const actor = row.getByRole('link', { name: /admin-.*@example\.com/ });
    await actor.waitFor();
    await row.getByRole('link', { name: /pending-.*@example\.com/ }).waitFor();
    await screenshot(page, 'audit-people', db === 'sqlite');
    await actor.click();
    await page.getByRole('heading', { level: 1, name: /^admin-.*@example\.com$/ }).waitFor();
    const api = (await call('GET', '/admin/audit?action=user.activate')).body.entries[0];
    expect(api.actor_user.email).toMatch(/^admin-/);
    expect(api.subject_user.email).toMatch(/^pending-/);
  });
});
