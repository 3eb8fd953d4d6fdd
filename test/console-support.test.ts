import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../src/http/console.js';
import { DATABASES, buildTestApp, useTestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, uniqueEmail } from './helpers/auth.js';

const ADMIN_SECRET = 'console-support-admin-secret-0123456789';
const admin = { 'x-admin-secret': ADMIN_SECRET };

describe.each(DATABASES)('admin console support on %s', (db) => {
  const app = useTestApp(db, {
    ADMIN_SECRET,
    AUTO_ACTIVATE_NEW_USERS: 'false',
    S3_ENDPOINT: 'http://key:hunter2-s3@127.0.0.1:9',
    JWT_ISSUER: 'console-test',
  });

  it('shows every setting in force, secrets masked, and says which the environment set', async () => {
    const res = await app().request({ url: '/admin/config', headers: admin });
    expect(res.statusCode).toBe(200);
    const settings = res.json().settings as {
      name: string;
      value: string | null;
      explicit: boolean;
      secret: boolean;
    }[];
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
    expect(
      (await app().request({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } }))
        .statusCode,
    ).toBe(200);
    await app().app.services.background.drain();
    const list = await app().request({ url: '/admin/outbox', headers: admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().mode).toBe('outbox');
    const entry = list.json().entries.find((e: { to: string }) => e.to === email);
    expect(entry).toMatchObject({
      name: expect.stringMatching(/activate\.eml$/),
      subject: expect.any(String),
      size: expect.any(Number),
    });
    const mail = await app().request({ url: `/admin/outbox/${entry.name}`, headers: admin });
    expect(mail.statusCode).toBe(200);
    expect(mail.json().to).toBe(email);
    expect(mail.json().links).toEqual([
      expect.stringMatching(/^http:\/\/localhost:3000\/auth\/activate\?ticket=[A-Za-z0-9_-]+$/),
    ]);
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
    await app().request({
      method: 'POST',
      url: '/admin/users',
      headers: admin,
      payload: { email, password: PASSWORD },
    });
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

describe.each(DATABASES)('admin API behind the console on %s', (db) => {
  const app = useTestApp(db, { ADMIN_SECRET, IMPERSONATION_MINUTES: '20' });
  const create = async (roles = ['user']) => {
    const email = uniqueEmail('sources');
    const res = await app().request({
      method: 'POST',
      url: '/admin/users',
      headers: admin,
      payload: { email, password: PASSWORD, roles, default_role: roles[0] },
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, email };
  };
  const current = (token: string) =>
    app().request({ url: '/api/v1/auth/current', headers: { authorization: `Impersonate ${token}` } });

  it('issues an impersonation token for HumHub, voiding the previous one, and audits it', async () => {
    const target = await create();
    const first = await app().request({ method: 'POST', url: `/admin/users/${target.id}/impersonate`, headers: admin });
    expect(first.statusCode).toBe(201);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.json()).toEqual({
      token: expect.stringMatching(/^impersonated-/),
      expires_at: new Date(app().clock.now().getTime() + 20 * 60_000).toISOString(),
    });
    expect((await current(first.json().token)).json()).toMatchObject({
      guid: target.id,
      account: { email: target.email },
    });

    // An admin user may too; a new token ends the previous one and its session.
    const adminUser = await create(['admin']);
    const { jwt_token } = (await login(app(), adminUser.email)).json();
    const second = await app().request({
      method: 'POST',
      url: `/admin/users/${target.id}/impersonate`,
      headers: bearer(jwt_token),
    });
    expect(second.statusCode).toBe(201);
    expect((await current(first.json().token)).statusCode).toBe(401);
    expect((await current(second.json().token)).statusCode).toBe(200);

    const audit = (
      await app().request({ url: `/admin/audit?action=user.impersonate&subject=${target.id}`, headers: admin })
    ).json().entries as { actor: string }[];
    expect(audit.map((e) => e.actor)).toEqual([adminUser.id, 'admin-secret']);
    app().clock.advanceSeconds(20 * 60 + 1);
    expect((await current(second.json().token)).statusCode).toBe(401);
    app().clock.advanceSeconds(-(20 * 60 + 1));
  });

  it('answers 404 for a missing user, 400 for a malformed id, 403 for a non-admin', async () => {
    const missing = await app().request({
      method: 'POST',
      url: '/admin/users/00000000-0000-4000-8000-000000000000/impersonate',
      headers: admin,
    });
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'not-found']);
    expect(
      (await app().request({ method: 'POST', url: '/admin/users/42/impersonate', headers: admin })).statusCode,
    ).toBe(400);
    const plain = await create();
    const { jwt_token } = (await login(app(), plain.email)).json();
    expect(
      (await app().request({ method: 'POST', url: `/admin/users/${plain.id}/impersonate`, headers: bearer(jwt_token) }))
        .statusCode,
    ).toBe(403);
  });

  it('reports the storage used, in total and per top-level folder, from the file metadata', async () => {
    const before = (await app().request({ url: '/admin/storage/usage', headers: admin })).json();
    expect(before).toEqual({ bytes: 0, files: 0, folders: [] });
    const upload = async (key: string, size: number) => {
      const res = await app().request({
        method: 'POST',
        url: `/storage/o/${key}`,
        headers: { ...admin, 'content-type': 'application/octet-stream' },
        payload: Buffer.alloc(size, 7),
      });
      expect(res.statusCode).toBe(200);
    };
    await upload('public/a.bin', 1000);
    await upload('public/deep/b.bin', 500);
    await upload('user/someone/c.bin', 3000);
    await upload('public/a.bin', 1200); // replacing a file counts its new size once
    const usage = await app().request({ url: '/admin/storage/usage', headers: admin });
    expect(usage.statusCode).toBe(200);
    expect(usage.json()).toEqual({
      bytes: 4700,
      files: 3,
      folders: [
        { folder: 'user', bytes: 3000, files: 1 },
        { folder: 'public', bytes: 1700, files: 2 },
      ],
    });
    expect(
      (await app().request({ method: 'DELETE', url: '/storage/o/user/someone/c.bin', headers: admin })).statusCode,
    ).toBe(204);
    expect((await app().request({ url: '/admin/storage/usage', headers: admin })).json()).toMatchObject({
      bytes: 1700,
      files: 2,
    });
  });

  it("shows a user's linked providers and whether their realm is local or behind a directory", async () => {
    const user = await create();
    const local = await app().request({ url: `/admin/users/${user.id}/providers`, headers: admin });
    expect(local.statusCode).toBe(200);
    expect(local.json()).toEqual({ realm: { name: 'default', source: 'local', directory: null }, providers: [] });
    const dir = await app().request({
      method: 'PUT',
      url: '/admin/directories/corp',
      headers: admin,
      payload: { url: 'ldap://127.0.0.1:1389', search_base: 'ou=people,dc=example,dc=org' },
    });
    expect(dir.statusCode).toBe(201);
    expect(
      (
        await app().request({
          method: 'PUT',
          url: `/admin/users/${user.id}/realm`,
          headers: admin,
          payload: { realm: 'corp' },
        })
      ).statusCode,
    ).toBe(204);
    const behind = (await app().request({ url: `/admin/users/${user.id}/providers`, headers: admin })).json();
    expect(behind.realm).toEqual({
      name: 'corp',
      source: 'directory',
      directory: { url: 'ldap://127.0.0.1:1389', configured_in: 'api', default: false },
    });
    expect(JSON.stringify(behind)).not.toMatch(/password/i);
    expect(
      (await app().request({ url: '/admin/users/00000000-0000-4000-8000-000000000000/providers', headers: admin }))
        .statusCode,
    ).toBe(404);
  });
});

describe('impersonation switched off', () => {
  it('answers 404 on the admin route and the HumHub route', async () => {
    const t = await buildTestApp('sqlite', { ADMIN_SECRET, HUMHUB_IMPERSONATION: 'false' });
    try {
      const email = uniqueEmail('off');
      const { id } = (
        await t.request({ method: 'POST', url: '/admin/users', headers: admin, payload: { email, password: PASSWORD } })
      ).json();
      const res = await t.request({ method: 'POST', url: `/admin/users/${id}/impersonate`, headers: admin });
      expect([res.statusCode, res.json().code]).toEqual([404, 'feature-disabled']);
      expect(res.json().message).toContain('HUMHUB_IMPERSONATION');
      expect(
        (await t.request({ method: 'POST', url: '/api/v1/auth/impersonate', headers: admin, payload: { userId: id } }))
          .statusCode,
      ).toBe(404);
      expect(t.undeclared).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
