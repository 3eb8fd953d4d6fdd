import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer, PASSWORD, register } from './helpers/auth.js';
import { useBrowser } from './helpers/browser.js';

const ADMIN_SECRET = 'h'.repeat(40);

describe.each(DATABASES)('security headers (%s)', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_AUTH_PER_IP: '10000' });
  const browser = useBrowser();

  it('every answer, success or error, says nosniff, no referrer, never framed, nothing runs', async () => {
    const t = get();
    const answers = await Promise.all([
      t.request({ url: '/version' }),
      t.request({ url: '/no/such/route' }),
      t.request({ method: 'POST', url: '/auth/login', payload: { email: 'nobody@example.com', password: PASSWORD } }),
      t.request({ url: '/auth/user' }),
    ]);
    for (const res of answers) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it("answers carrying tokens or a user's data are never stored by a cache", async () => {
    const t = get();
    const session = await register(t);
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      payload: { email: session.user.email, password: PASSWORD },
    });
    const refresh = await t.request({ url: `/auth/token/refresh?refresh_token=${login.json().refresh_token}` });
    const user = await t.request({ url: '/auth/user', headers: bearer(session.jwt_token) });
    const token = await t.request({
      method: 'POST',
      url: '/auth/tokens',
      headers: bearer(session.jwt_token),
      payload: { name: 'cli' },
    });
    const admin = await t.request({ url: '/admin/users', headers: { 'x-admin-secret': ADMIN_SECRET } });
    const upload = await t.request({
      method: 'POST',
      url: '/storage/o/public/n.txt',
      headers: { ...bearer(session.jwt_token), 'content-type': 'text/plain' },
      payload: 'n',
    });
    for (const res of [login, refresh, user, token, admin, upload]) {
      expect(res.statusCode).toBeLessThan(300);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('storage errors carry the storage sandbox too', async () => {
    const res = await get().request({ url: '/storage/o/public/missing.txt' });
    expect(res.statusCode).toBe(404);
    expect(res.headers).toMatchObject({
      'content-security-policy': "default-src 'none'; sandbox",
      'x-content-type-options': 'nosniff',
    });
  });

  it('/docs still works in Chromium under its own policy, with no CSP violation', async () => {
    const t = get();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const page = await browser().newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      const res = await page.goto(`${origin}/docs`);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.waitForSelector('.opblock-summary-path');
      expect(await page.locator('.opblock-summary-path', { hasText: '/auth/login' }).count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
