import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, buildTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The link of the newest outbox mail of a kind, read from its plain-text copy. */
async function linkFromOutbox(t: TestApp, kind: string): Promise<string> {
  const dir = path.join(t.config.dataDir, 'outbox');
  for (let i = 0; i < 200; i++) {
    const txt = (await readdir(dir).catch(() => []))
      .filter((f) => f.endsWith(`-${kind}.txt`))
      .sort()
      .pop();
    if (txt) return /(http:\/\/\S+)/.exec(await readFile(path.join(dir, txt), 'utf8'))![1]!;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no ${kind} mail in the outbox`);
}

describe.each(DATABASES)('built-in page at / in a browser on %s', (db) => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await buildTestApp(db, {
      SERVER_URL: base,
      AUTO_ACTIVATE_NEW_USERS: 'false',
      LOST_PASSWORD_ENABLED: 'true',
      RATE_LIMIT_AUTH_PER_IP: '10000',
    });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the outcome of an activation link, then resets a password through its form', async () => {
    const email = uniqueEmail('page');
    await t.request({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await page.goto(await linkFromOutbox(t, 'activate'));
      expect(new URL(page.url()).pathname).toBe('/');
      await page.locator('#signed-in').waitFor({ state: 'visible' });

      await t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email } });
      const reset = await linkFromOutbox(t, 'reset-password');
      expect(reset).toMatch(new RegExp(`^${base}/\\?action=reset-password&ticket=`));
      await page.goto(reset);
      await page.locator('#new-password').fill('a new passphrase from the page');
      await page.locator('#reset-form button').click();
      await expect.poll(() => page.locator('#result').textContent()).toContain('Your password was changed');
      expect(
        (
          await t.request({
            method: 'POST',
            url: '/auth/login',
            payload: { email, password: 'a new passphrase from the page' },
          })
        ).statusCode,
      ).toBe(200);

      await page.goto(`${base}/?error=ticket-expired`);
      await expect.poll(() => page.locator('#error').textContent()).toContain('ticket-expired');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('serves the page under a CSP without inline script', async () => {
    const res = await t.request({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.body).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(res.body).not.toMatch(/ on[a-z]+="/);
  });
});
