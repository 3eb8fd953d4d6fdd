import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceStart } from '../src/announce.js';
import { buildTestApp, DATABASES, type TestApp } from './helpers/app.js';
import { login, PASSWORD, uniqueEmail } from './helpers/auth.js';
import { launchChromium, screenshot, serveTestApp, watchCsp } from './helpers/browser.js';
import { BIN, buildCliOnce } from './helpers/cli.js';
import { freePort } from './helpers/ports.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** The token of a printed setup link. */
const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');

describe.each(DATABASES)('first run on %s', (db) => {
  it('prints a single-use setup link that leads a browser from a fresh DATA_DIR to a signed-in console', async () => {
    const t = await serveTestApp(db, { RATE_LIMIT_ENABLED: 'false' });
    try {
      const { setupUrl } = await announceStart(t.app.services, t.config, t.app.log);
      expect(setupUrl).toMatch(new RegExp(`^${t.base}/console/setup#token=[\\w-]{43}$`));
      const log = t.logs.join('');
      // The banner: console, docs, mail, how to stop, and the link in the log.
      for (const line of [
        `admin console: ${t.base}/console/`,
        `API docs: ${t.base}/docs`,
        `mail: the outbox folder ${path.join(t.config.dataDir, 'outbox')}`,
        'stop: Ctrl+C or SIGTERM',
        `open ${setupUrl} from this machine before`,
      ])
        expect(log).toContain(line);

      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const csp = watchCsp(page);
      await page.goto(setupUrl!);
      await page.getByRole('heading', { name: 'Gatehouse: first admin' }).waitFor();
      const email = uniqueEmail('first-admin');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Name').fill('First Admin');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Password again').fill(`${PASSWORD}!`);
      await page.getByRole('button', { name: 'Create the admin and sign in' }).click();
      await page.getByText('The two passwords differ.').waitFor();
      await page.getByLabel('Password again').fill(PASSWORD);
      await screenshot(page, 'setup', db === 'sqlite');
      await page.getByRole('button', { name: 'Create the admin and sign in' }).click();
      await page.getByRole('navigation', { name: 'Sections' }).waitFor();
      await expect.poll(() => page.locator('.who').textContent()).toBe(email);
      expect(new URL(page.url()).pathname).toBe('/console/');
      expect(page.url()).not.toContain('token=');
      await screenshot(page, 'setup-done', db === 'sqlite');
      expect(csp).toEqual([]);
      await context.close();

      // Used once: the same link is refused now, and the page says an admin exists.
      const again = await t.request({
        method: 'POST',
        url: '/setup/admin',
        payload: { token: tokenOf(setupUrl!), email: uniqueEmail(), password: PASSWORD },
      });
      expect(again.statusCode).toBe(403);
      expect(again.json().code).toBe('setup-link-invalid');
      expect((await t.request({ method: 'GET', url: '/setup' })).json()).toEqual({ open: false, needs_admin: false });
      // With an admin, a restart prints no link.
      expect(await announceStart(t.app.services, t.config, t.app.log)).toEqual({});
      const audit = await t.app.services.audit.list({ action: 'setup.admin', limit: 5 });
      expect(audit.map((e) => e.outcome)).toEqual(['success']);
    } finally {
      await t.close();
    }
  });

  describe('the setup link', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp(db, { SETUP_LINK_MINUTES: '30' });
    });
    afterAll(async () => t?.close());
    const setup = (token: string, remoteAddress = '127.0.0.1', password = PASSWORD) =>
      t.request({
        method: 'POST',
        url: '/setup/admin',
        remoteAddress,
        payload: { token, email: uniqueEmail('admin'), password },
      });

    it('is refused from another address than loopback (the link leaked through a log)', async () => {
      const { setupUrl } = await announceStart(t.app.services, t.config, t.app.log);
      const res = await setup(tokenOf(setupUrl!), '203.0.113.9');
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'setup-not-local' });
      expect(res.json().message).toContain('SETUP_ALLOW_REMOTE=true');
      const state = await t.request({ method: 'GET', url: '/setup', remoteAddress: '198.51.100.2' });
      expect(state.statusCode).toBe(403);
    });

    it('stays usable after a refused password, and expires after SETUP_LINK_MINUTES', async () => {
      const { setupUrl } = await announceStart(t.app.services, t.config, t.app.log);
      const weak = await setup(tokenOf(setupUrl!), '127.0.0.1', 'x');
      expect(weak.statusCode).toBe(400);
      expect((await t.request({ method: 'GET', url: '/setup' })).json()).toEqual({ open: true, needs_admin: true });
      t.clock.advance(31 * 60_000);
      const late = await setup(tokenOf(setupUrl!));
      expect(late.statusCode).toBe(403);
      expect(late.json().code).toBe('setup-link-invalid');
    });

    it('is void once a newer one is printed, and a wrong token is refused', async () => {
      const first = await announceStart(t.app.services, t.config, t.app.log);
      const second = await announceStart(t.app.services, t.config, t.app.log);
      expect((await setup(tokenOf(first.setupUrl!))).statusCode).toBe(403);
      expect((await setup('not-the-token')).statusCode).toBe(403);
      expect((await setup(tokenOf(second.setupUrl!))).statusCode).toBe(201);
    });
  });

  it('creates the admin of GATEHOUSE_ADMIN_EMAIL from a password file, once, and prints no link', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'gatehouse-secret-'));
    const file = path.join(folder, 'admin-password');
    await writeFile(file, `${PASSWORD}\n`);
    const email = uniqueEmail('bootstrap');
    const t = await buildTestApp(db, { GATEHOUSE_ADMIN_EMAIL: email, GATEHOUSE_ADMIN_PASSWORD_FILE: file });
    try {
      expect(await announceStart(t.app.services, t.config, t.app.log)).toEqual({});
      expect(t.logs.join('')).toContain(`created the first admin, ${email} (GATEHOUSE_ADMIN_EMAIL)`);
      const session = await login(t, email);
      expect(session.statusCode).toBe(200);
      expect(await t.app.services.firstRun.bootstrapAdmin()).toBeUndefined();
      const admins = await t.app.services.users.list({ limit: 10 });
      expect(admins.items.filter((u) => u.roles.includes('admin')).map((u) => u.email)).toEqual([email]);
    } finally {
      await t.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('prints no link when ADMIN_SECRET is set', async () => {
    const t = await buildTestApp(db, { ADMIN_SECRET: 'an-admin-secret-of-at-least-32-characters' });
    try {
      expect(await announceStart(t.app.services, t.config, t.app.log)).toEqual({});
      expect(t.logs.join('')).not.toContain('/console/setup');
    } finally {
      await t.close();
    }
  });
});

describe('gatehouse serve on a fresh DATA_DIR', { timeout: 120_000 }, () => {
  beforeAll(buildCliOnce, 120_000);

  it('prints readable lines with the banner and the setup link (LOG_FORMAT=pretty), and stops on SIGTERM', async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'gatehouse-fresh-'));
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH, DATA_DIR: data, PORT: String(port), LOG_FORMAT: 'pretty', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          if (stdout.includes('/console/setup#token=')) resolve();
        });
        child.on('close', () => reject(new Error(`serve exited: ${stdout}${stderr}`)));
      });
      const base = `http://localhost:${port}`;
      for (const line of [
        `admin console: ${base}/console/`,
        `API docs: ${base}/docs`,
        'mail: the outbox folder',
        'stop: Ctrl+C or SIGTERM',
      ])
        expect(stdout).toContain(line);
      // Readable lines, not JSON objects.
      expect(stdout).not.toMatch(/^\{"level"/m);
      expect(stdout).toMatch(/INFO.*admin console/);
      expect(stderr).not.toContain('does not exist');
      const home = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(home).toContain('<a href="/console/">Admin console</a>');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(data, { recursive: true, force: true });
    }
  });
});
