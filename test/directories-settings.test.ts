import { copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { DOORS } from './helpers/doors.js';
import { person, seedLdif, serviceSettings, useSlapd } from './helpers/slapd.js';

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };

const save = (t: TestApp, realm: string, settings: Record<string, unknown>) =>
  t.request({ method: 'POST', url: '/admin/directories', headers: admin, payload: { realm, ...settings } });

describe.each(DATABASES)('directory settings checked when saved, failures at login 503 on %s', (db) => {
  const slapd = useSlapd(seedLdif([person('judy')]));
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_AUTH_PER_IP: '10000', RATE_LIMIT_AUTH_PER_ACCOUNT: '10000' });

  it('refuses with 400 what the LDAP client would refuse: a URL it cannot parse, a CA file that is missing or no PEM, a broken filter', async () => {
    const t = get();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: 'ldap://]4G(.;/' }, /url: .* not a URL the LDAP client can parse/],
      [{ url: 'ldap://:389' }, /url/],
      [{ ca_file: '/nonexistent/ca.pem', start_tls: true }, /ca_file: \/nonexistent\/ca.pem cannot be read \(ENOENT\)/],
      [{ ca_file: path.resolve('package.json'), start_tls: true }, /ca_file: .* holds no PEM certificate/],
      [{ user_filter: '(uid={login}' }, /user_filter: not an LDAP filter/],
      [{ group_filter: 'member={dn}))(' }, /group_filter: not an LDAP filter/],
    ];
    for (const [over, message] of cases) {
      const res = await save(t, 'broken', { ...serviceSettings(slapd()), ...over });
      expect([res.statusCode, res.json().code], JSON.stringify(over)).toEqual([400, 'validation-failed']);
      expect(res.json().message).toMatch(message);
      const put = await t.request({
        method: 'PUT',
        url: '/admin/directories/broken',
        headers: admin,
        payload: { ...serviceSettings(slapd()), ...over },
      });
      expect(put.statusCode).toBe(400);
    }
    expect((await t.request({ url: '/admin/directories/broken', headers: admin })).statusCode).toBe(404);
    // The same settings with a CA file that exists are accepted.
    expect(
      (await save(t, 'fine', { ...serviceSettings(slapd()), start_tls: true, ca_file: slapd().caFile })).statusCode,
    ).toBe(201);
  });

  it('answers 503 directory-unavailable on every door, never 500, when the directory fails in the client (CA file gone since)', async () => {
    const t = get();
    const ca = path.join(tmpdir(), `gatehouse-ca-${db}-${process.pid}.pem`);
    await copyFile(slapd().caFile, ca);
    const url = slapd().url.replace(/^ldap:/, 'ldaps:');
    expect((await save(t, 'gone', { ...serviceSettings(slapd()), url, ca_file: ca, default: true })).statusCode).toBe(
      201,
    );
    await rm(ca);
    for (const door of DOORS.filter((d) => d.byUsername)) {
      const res = await door.login(t, 'judy', 'judy-password');
      expect(res.statusCode, `${door.name}: ${res.body}`).toBe(503);
      if (door.name === 'hbp') expect(res.json().code).toBe('directory-unavailable');
    }
    // HBP's login names an email, which the default directory is asked for as well.
    const hbp = await t.request({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'judy@example.org', password: 'judy-password' },
    });
    expect([hbp.statusCode, hbp.json().code]).toEqual([503, 'directory-unavailable']);
  });

  it('answers 503, not 500, for a directory saved before settings were checked (a URL the client refuses)', async () => {
    const t = get();
    const settings = { ...serviceSettings(slapd()), url: 'ldap://]4G(.;/', user_filter: '(uid={login})' };
    const { bind_password: _password, ...stored } = settings;
    await t.app.services.directories.store.ensureRealm('legacy');
    await t.app.services.queries.directories.upsert(
      { realm: 'legacy', settings: stored, bindPassword: null, isDefault: false },
      t.clock.now(),
    );
    const res = await t.request({
      method: 'POST',
      url: '/auth',
      payload: { username: 'judy', password: 'judy-password', realm: 'legacy' },
    });
    expect(res.statusCode, res.body).toBe(503);
    const rocket = await t.request({
      method: 'POST',
      url: '/api/v1/login',
      payload: { user: 'judy@legacy', password: 'judy-password' },
    });
    expect(rocket.statusCode, rocket.body).toBe(503);
  });
});
