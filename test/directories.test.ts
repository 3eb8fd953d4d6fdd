import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/core/errors.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer } from './helpers/auth.js';
import { GROUPS, PEOPLE, person, seedLdif, serviceSettings, useSlapd, type Slapd } from './helpers/slapd.js';

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };
/** Seeded before slapd starts: the service account, people (one without mail), and two groups. */
const SEED = seedLdif(
  [
    ...['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'kim', 'lou'].map((u) =>
      person(u),
    ),
    person('nomail', null),
  ],
  {
    admins: ['alice', 'erin'],
    editors: ['alice'],
  },
);

let slapd: Slapd;
/** A fresh slapd per suite (the suites change and delete entries); `slapd` is the running suite's. */
function useSuiteSlapd() {
  const started = useSlapd(SEED);
  beforeAll(() => {
    slapd = started();
  });
}

/** The directory settings the suites use, with the realm's own user filter. */
const settings = (over: Record<string, unknown> = {}) => ({
  ...serviceSettings(slapd),
  // Entries marked "locked" no longer match: that is how an operator expresses "disabled".
  user_filter: '(&(objectClass=inetOrgPerson)(!(description=locked))(|(uid={login})(mail={login})))',
  group_base_dn: GROUPS,
  group_roles: { admins: 'admin', editors: 'editor' },
  ...over,
});

async function putDirectory(t: TestApp, realm: string, over: Record<string, unknown> = {}) {
  const res = await t.request({
    method: 'PUT',
    url: `/admin/directories/${realm}`,
    headers: admin,
    payload: settings(over),
  });
  expect([200, 201]).toContain(res.statusCode);
  return res.json();
}

/** The directory login the pipeline calls; null names no realm (the default directory). */
const authenticate = (t: TestApp, login: string, password: string, realm: string | null = 'corp') =>
  t.app.services.directories.authenticate({ login, password, realm: realm ?? undefined });

async function signedIn(t: TestApp, login: string, realm = 'corp') {
  const result = await authenticate(t, login, `${login}-password`, realm);
  if (result.outcome !== 'ok') throw new Error(`${login}: ${result.outcome}`);
  return result.user;
}

describe.each(DATABASES)('LDAP directories on %s', (db) => {
  useSuiteSlapd();
  const get = useTestApp(db, { ADMIN_SECRET });
  beforeAll(async () => {
    await putDirectory(get(), 'corp');
  });

  it('is managed through /admin/directories: the realm is created, the bind password never shown and stored sealed', async () => {
    const t = get();
    const created = await t.request({
      method: 'POST',
      url: '/admin/directories',
      headers: admin,
      payload: { realm: 'branch', ...settings({ default: true }) },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      realm: 'branch',
      source: 'api',
      has_bind_password: true,
      default: true,
      start_tls: false,
      attributes: { username: 'uid', email: 'mail', display_name: 'cn', external_id: 'entryUUID' },
    });
    expect(created.body).not.toContain('service-secret');
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/admin/directories',
          headers: admin,
          payload: { realm: 'branch', ...settings() },
        })
      ).statusCode,
    ).toBe(409);
    const realms = (await t.request({ url: '/admin/realms', headers: admin })).json() as { name: string }[];
    expect(realms.map((r) => r.name)).toEqual(expect.arrayContaining(['branch', 'corp']));
    const stored = await t.app.services.queries.directories.get('branch');
    expect(stored?.bindPassword).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain('service-secret');
    // A PUT without bind_password keeps the stored one.
    const { bind_password: _omit, ...withoutPassword } = settings({ default: true, timeout_ms: 3000 });
    const replaced = await t.request({
      method: 'PUT',
      url: '/admin/directories/branch',
      headers: admin,
      payload: withoutPassword,
    });
    expect([replaced.statusCode, replaced.json().has_bind_password, replaced.json().timeout_ms]).toEqual([
      200,
      true,
      3000,
    ]);
    expect(await t.app.services.directories.handles(undefined)).toBe(true);
    expect(await t.app.services.directories.handles('branch')).toBe(true);
    expect(await t.app.services.directories.handles('default')).toBe(false);
    expect((await t.request({ method: 'DELETE', url: '/admin/directories/branch', headers: admin })).statusCode).toBe(
      204,
    );
    expect((await t.request({ url: '/admin/directories/branch', headers: admin })).statusCode).toBe(404);
    expect(await t.app.services.directories.handles(undefined)).toBe(false);
  });

  it('refuses bad settings with 400, and the admin API without credentials with 401', async () => {
    const t = get();
    expect(
      (
        await t.request({
          method: 'PUT',
          url: '/admin/directories/x',
          headers: admin,
          payload: settings({ url: 'http://example.org' }),
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await t.request({
          method: 'PUT',
          url: '/admin/directories/x',
          headers: admin,
          payload: settings({ user_filter: '(uid=alice)' }),
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await t.request({ method: 'PUT', url: '/admin/directories/bad%20realm', headers: admin, payload: settings() }))
        .statusCode,
    ).toBe(400);
    expect((await t.request({ url: '/admin/directories' })).statusCode).toBe(401);
  });

  it('signs a directory user in by a bind with their own password, creating the local user just in time with roles from groups', async () => {
    const t = get();
    const user = await signedIn(t, 'alice');
    expect(user).toMatchObject({
      email: 'alice@example.org',
      username: 'alice',
      displayName: 'Alice Example',
      realm: 'corp',
      active: true,
      emailVerified: true,
      passwordHash: null,
      roles: ['admin', 'editor', 'user'],
      defaultRole: 'user',
    });
    // The same entry by its email address is the same local user.
    expect((await authenticate(t, 'ALICE@example.org', 'alice-password')).outcome).toBe('ok');
    expect(((await authenticate(t, 'alice@example.org', 'alice-password')) as { user: { id: string } }).user.id).toBe(
      user.id,
    );
    const listed = (await t.request({ url: '/admin/users?search=alice@example.org', headers: admin })).json().users;
    expect(listed).toEqual([expect.objectContaining({ id: user.id, realm: 'corp' })]);
  });

  it('answers invalid, alike, for a wrong password, an unknown login, an empty password and filter metacharacters', async () => {
    const t = get();
    expect(await authenticate(t, 'bob', 'wrong password')).toEqual({ outcome: 'invalid' });
    expect(await authenticate(t, 'nobody-here', 'bob-password')).toEqual({ outcome: 'invalid' });
    // An empty password would be an unauthenticated bind, which LDAP accepts.
    expect(await authenticate(t, 'bob', '')).toEqual({ outcome: 'invalid' });
    // {login} is RFC 4515-escaped: a wildcard cannot match bob, nor close the filter.
    expect(await authenticate(t, 'b*', 'bob-password')).toEqual({ outcome: 'invalid' });
    expect(await authenticate(t, '*)(uid=bob', 'bob-password')).toEqual({ outcome: 'invalid' });
    expect(await authenticate(t, 'bob', 'bob-password', 'no-such-realm')).toEqual({ outcome: 'invalid' });
    expect(await t.app.services.users.findByEmail('bob@example.org')).toBeUndefined();
  });

  it('follows the groups at each login: a user removed from a group loses its role', async () => {
    const t = get();
    expect((await signedIn(t, 'erin')).roles).toEqual(['admin', 'user']);
    await slapd.admin((c) =>
      c.modify(
        `cn=admins,${GROUPS}`,
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'member', values: [`uid=erin,${PEOPLE}`] }),
        }),
      ),
    );
    expect((await signedIn(t, 'erin')).roles).toEqual(['user']);
  });

  it('never takes over a local account with the same email: refused and audited, until an admin links them', async () => {
    const t = get();
    const local = await t.request({
      method: 'POST',
      url: '/admin/users',
      headers: admin,
      payload: { email: 'carol@example.org', password: 'a local passphrase 1' },
    });
    expect(local.statusCode).toBe(201);
    expect(await authenticate(t, 'carol', 'carol-password')).toEqual({ outcome: 'conflict' });
    const audit = await t.app.services.audit.list({ action: 'directory.conflict', limit: 10 });
    expect(audit[0]).toMatchObject({ subject: 'carol@example.org', outcome: 'failure', detail: { realm: 'corp' } });

    const link = (login: string) =>
      t.request({
        method: 'POST',
        url: '/admin/directories/corp/links',
        headers: admin,
        payload: { user_id: local.json().id, login },
      });
    expect((await link('no-such-login')).statusCode).toBe(404);
    expect((await link('carol')).statusCode).toBe(204);
    expect((await link('carol')).statusCode).toBe(409);
    const result = await authenticate(t, 'carol', 'carol-password');
    expect(result).toMatchObject({ outcome: 'ok', user: { id: local.json().id, realm: 'corp' } });
  });

  it('gives an entry without a mail attribute a reserved .invalid address', async () => {
    expect((await signedIn(get(), 'nomail')).email).toBe('nomail@corp.directory.invalid');
  });

  it('refuses to change the password of a directory user, with a clear error', async () => {
    const t = get();
    const user = await signedIn(t, 'frank');
    const session = await t.app.services.auth.startSession(user, { ip: null, userAgent: null });
    const res = await t.request({
      method: 'POST',
      url: '/auth/change-password',
      headers: bearer(session.accessToken),
      payload: { old_password: 'frank-password', new_password: 'a brand new passphrase' },
    });
    expect([res.statusCode, res.json().code]).toEqual([409, 'password-managed-by-directory']);
    expect(res.json().message).toMatch(/directory of realm corp/);
  });

  it('ends, at the periodic check, the sessions of users removed from the directory or no longer matching user_filter', async () => {
    const t = get();
    const sessions = new Map<string, string>();
    for (const login of ['grace', 'heidi', 'ivan']) {
      const user = await signedIn(t, login);
      sessions.set(login, (await t.app.services.auth.startSession(user, { ip: null, userAgent: null })).refreshToken);
    }
    await slapd.admin((c) => c.del(`uid=grace,${PEOPLE}`));
    await slapd.admin((c) =>
      c.modify(
        `uid=heidi,${PEOPLE}`,
        new Change({ operation: 'add', modification: new Attribute({ type: 'description', values: ['locked'] }) }),
      ),
    );

    const report = await t.request({ method: 'POST', url: '/admin/directories/sync', headers: admin });
    expect(report.statusCode).toBe(200);
    const grace = await t.app.services.users.findByEmail('grace@example.org');
    const heidi = await t.app.services.users.findByEmail('heidi@example.org');
    expect(report.json().ended).toEqual(expect.arrayContaining([grace!.id, heidi!.id]));
    expect(report.json().unreachable).toEqual([]);

    const refresh = (login: string) => t.request({ url: `/auth/token/refresh?refresh_token=${sessions.get(login)}` });
    expect((await refresh('grace')).statusCode).toBe(401);
    expect((await refresh('heidi')).statusCode).toBe(401);
    expect((await refresh('ivan')).statusCode).toBe(200);
    // And they can no longer sign in.
    expect(await authenticate(t, 'heidi', 'heidi-password')).toEqual({ outcome: 'invalid' });
  });

  it('updates the display name and the email of a directory user at each login; a new email another account has is refused and audited', async () => {
    const t = get();
    const before = await signedIn(t, 'kim');
    expect(before).toMatchObject({ displayName: 'Kim Example', email: 'kim@example.org' });
    const replace = (type: string, value: string) =>
      new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });
    await slapd.admin((c) =>
      c.modify(`uid=kim,${PEOPLE}`, [replace('cn', 'Kimberly Q. Example'), replace('mail', 'kimberly@example.org')]),
    );
    const session = await t.app.services.auth.startSession(await signedIn(t, 'kim'), { ip: null, userAgent: null });
    const me = (await t.request({ url: '/auth/user', headers: bearer(session.accessToken) })).json();
    expect(me).toMatchObject({ id: before.id, display_name: 'Kimberly Q. Example', email: 'kimberly@example.org' });

    expect(
      (
        await t.request({
          method: 'POST',
          url: '/admin/users',
          headers: admin,
          payload: { email: 'taken@example.org', password: 'a local passphrase 1' },
        })
      ).statusCode,
    ).toBe(201);
    await slapd.admin((c) =>
      c.modify(`uid=kim,${PEOPLE}`, [replace('cn', 'Kim Elsewhere'), replace('mail', 'taken@example.org')]),
    );
    expect(await authenticate(t, 'kim', 'kim-password')).toEqual({ outcome: 'conflict' });
    const [event] = await t.app.services.audit.list({
      action: 'directory.conflict',
      subject: 'taken@example.org',
      limit: 10,
    });
    expect(event).toMatchObject({
      outcome: 'failure',
      detail: { realm: 'corp', reason: expect.stringMatching(/new email/) },
    });
    // Nothing of the refused login was applied: the user is as the last accepted login left it.
    expect(await t.app.services.users.get(before.id)).toMatchObject({
      displayName: 'Kimberly Q. Example',
      email: 'kimberly@example.org',
    });
  });

  it('audits the end of a removed user once, however many checks run; an entry that comes back and leaves again is audited again', async () => {
    const t = get();
    const user = await signedIn(t, 'lou');
    const lock = (operation: 'add' | 'delete') =>
      slapd.admin((c) =>
        c.modify(
          `uid=lou,${PEOPLE}`,
          new Change({ operation, modification: new Attribute({ type: 'description', values: ['locked'] }) }),
        ),
      );
    const sync = async () =>
      (
        (await t.request({ method: 'POST', url: '/admin/directories/sync', headers: admin })).json() as {
          ended: string[];
        }
      ).ended;
    const audited = async () =>
      (await t.app.services.audit.list({ action: 'directory.sync.revoke', subject: user.id, limit: 10 })).length;

    const session = await t.app.services.auth.startSession(user, { ip: null, userAgent: null });
    await lock('add');
    expect(await sync()).toContain(user.id);
    expect(await sync()).not.toContain(user.id);
    expect(await sync()).not.toContain(user.id);
    expect(await audited()).toBe(1);
    expect((await t.request({ url: `/auth/token/refresh?refresh_token=${session.refreshToken}` })).statusCode).toBe(
      401,
    );

    await lock('delete');
    expect(await sync()).not.toContain(user.id);
    expect((await signedIn(t, 'lou')).id).toBe(user.id);
    await lock('add');
    expect(await sync()).toContain(user.id);
    expect(await audited()).toBe(2);
  });

  it('answers 503 directory-unavailable when the directory cannot be reached, and the check skips it', async () => {
    const t = get();
    await putDirectory(t, 'down', { url: 'ldap://127.0.0.1:1', timeout_ms: 1000 });
    const err = await authenticate(t, 'judy', 'judy-password', 'down').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 503, code: 'directory-unavailable' });
    // A wrong service password is an outage too, not a wrong user password.
    await putDirectory(t, 'misbound', { bind_password: 'not the service secret' });
    expect(await authenticate(t, 'judy', 'judy-password', 'misbound').catch((e: unknown) => e)).toMatchObject({
      status: 503,
    });
    const link = await t.request({
      method: 'POST',
      url: '/admin/directories/down/links',
      headers: admin,
      payload: { user_id: '00000000-0000-4000-8000-000000000000', login: 'judy' },
    });
    expect(link.statusCode).toBe(404); // the user is checked before the directory is asked
  });

  it('speaks StartTLS, trusting only the configured CA', async () => {
    const t = get();
    await putDirectory(t, 'tls', { start_tls: true, ca_file: slapd.caFile });
    expect(await authenticate(t, 'judy', 'judy-password', 'tls')).toMatchObject({
      outcome: 'ok',
      user: { email: 'judy@example.org', realm: 'tls' },
    });
    expect(await authenticate(t, 'judy', 'wrong', 'tls')).toEqual({ outcome: 'invalid' });
    await putDirectory(t, 'tls-other-ca', { start_tls: true, ca_file: slapd.otherCaFile });
    expect(await authenticate(t, 'judy', 'judy-password', 'tls-other-ca').catch((e: unknown) => e)).toMatchObject({
      status: 503,
      code: 'directory-unavailable',
    });
  });
});

describe.each(DATABASES)('directories from DIRECTORIES_FILE on %s', (db) => {
  useSuiteSlapd();
  const file = path.join(tmpdir(), `gatehouse-directories-${db}-${process.pid}.yaml`);
  beforeAll(async () => {
    const yaml = `directories:\n  - realm: staff\n    default: true\n${Object.entries(settings())
      .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
      .join('\n')}\n`;
    await writeFile(file, yaml);
  });
  afterAll(() => rm(file, { force: true }));
  // Registered after the file is written: the app reads it at start.
  const get = useTestApp(db, () => ({ ADMIN_SECRET, DIRECTORIES_FILE: file }));

  it('serves them as the default directory, read-only through the admin API', async () => {
    const t = get();
    expect(await t.app.services.directories.handles(undefined)).toBe(true);
    expect(await authenticate(t, 'judy', 'judy-password', null)).toMatchObject({
      outcome: 'ok',
      user: { realm: 'staff' },
    });
    const listed = (await t.request({ url: '/admin/directories', headers: admin })).json();
    expect(listed).toEqual([
      expect.objectContaining({ realm: 'staff', source: 'file', default: true, has_bind_password: true }),
    ]);
    const put = await t.request({
      method: 'PUT',
      url: '/admin/directories/staff',
      headers: admin,
      payload: settings(),
    });
    expect([put.statusCode, put.json().code]).toEqual([409, 'directory-from-file']);
    expect((await t.request({ method: 'DELETE', url: '/admin/directories/staff', headers: admin })).statusCode).toBe(
      409,
    );
  });
});
