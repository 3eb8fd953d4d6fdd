import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../src/http/console.js';
import { DATABASES, buildTestApp, useTestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, uniqueEmail } from './helpers/auth.js';

const ADMIN_SECRET = 'console-support-admin-secret-0123456789';
const admin = { 'x-admin-secret': ADMIN_SECRET };

describe.each(DATABASES)('admin console support on %s', (db) => {
  const app = useTestApp(db, { ADMIN_SECRET, AUTO_ACTIVATE_NEW_USERS: 'false', S3_ENDPOINT: 'http://key:hunter2-s3@127.0.0.1:9', JWT_ISSUER: 'console-test' });

  it('shows every setting in force, secrets masked, and says which the environment set', async () => {
    const res = await app().request({ url: '/admin/config', headers: admin });
    expect(res.statusCode).toBe(200);
    const settings = res.json().settings as { name: string; value: string | null; explicit: boolean; secret: boolean }[];
    const byName = new Map(settings.map((s) => [s.name, s]));
    expect(byName.get('ADMIN_SECRET')).toMatchObject({ value: '********', secret: true, explicit: true });
    expect(byName.get('JWT_ISSUER')).toMatchObject({ value: 'console-test', explicit: true });
    expect(byName.get('PORT')).toMatchObject({ value: '3000', explicit: false });
    expect(byName.get('SMTP_PASS')).toMatchObject({ value: null, explicit: false });
    // A password inside a URL is masked even where the setting itself is not a secret.
    expect(byName.get('S3_ENDPOINT')!.value).toBe('http://key:********@127.0.0.1:9');
    if (db === 'postgres') expect(byName.get('DATABASE_URL')!.value).toBe('********');
    expect(res.body).not.toContain(ADMIN_SECRET);
    expect(res.body).not.toContain('hunter2');
  });

  it('lists the outbox newest first and reads a mail with its links', async () => {
    const email = uniqueEmail('outbox');
    expect((await app().request({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } })).statusCode).toBe(200);
    await app().app.services.background.drain();
    const list = await app().request({ url: '/admin/outbox', headers: admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().mode).toBe('outbox');
    const entry = list.json().entries.find((e: { to: string }) => e.to === email);
    expect(entry).toMatchObject({ name: expect.stringMatching(/activate\.eml$/), subject: expect.any(String), size: expect.any(Number) });
    const mail = await app().request({ url: `/admin/outbox/${entry.name}`, headers: admin });
    expect(mail.statusCode).toBe(200);
    expect(mail.json().to).toBe(email);
    expect(mail.json().links).toEqual([expect.stringMatching(/^http:\/\/localhost:3000\/auth\/activate\?ticket=[A-Za-z0-9_-]+$/)]);
    expect(mail.json().text).toContain(mail.json().links[0]);
  });

  it('refuses names outside the outbox and answers 404 for a missing mail', async () => {
    expect((await app().request({ url: '/admin/outbox/..%2Fgatehouse.db', headers: admin })).statusCode).toBe(400);
    expect((await app().request({ url: '/admin/outbox/secrets.txt', headers: admin })).statusCode).toBe(400);
    const missing = await app().request({ url: '/admin/outbox/2020-01-01-1-activate.eml', headers: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not-found');
  });

  it('keeps both views for admins', async () => {
    expect((await app().request({ url: '/admin/config' })).statusCode).toBe(401);
    const email = uniqueEmail('plain');
    await app().request({ method: 'POST', url: '/admin/users', headers: admin, payload: { email, password: PASSWORD } });
    const { jwt_token } = (await login(app(), email)).json();
    expect((await app().request({ url: '/admin/config', headers: bearer(jwt_token) })).statusCode).toBe(403);
    expect((await app().request({ url: '/admin/outbox', headers: bearer(jwt_token) })).statusCode).toBe(403);
  });

  it('serves the console with a strict CSP that forbids framing and inline script', async () => {
    const redirect = await app().request({ url: '/console' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/console/');
    const page = await app().request({ url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    // Scripts come from files only: no inline <script> body in the page.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    const asset = await app().request({ url: script });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app().request({ url: '/console/nothing-here.js' })).statusCode).toBe(404);
  });
});

describe('CONSOLE_ENABLED=false', () => {
  it('serves no console', async () => {
    const t = await buildTestApp('sqlite', { CONSOLE_ENABLED: 'false' });
    try {
      expect((await t.request({ url: '/console/' })).statusCode).toBe(404);
      expect((await t.request({ url: '/console' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
