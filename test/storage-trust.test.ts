import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, buildTestApp, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

const ADMIN_SECRET = 'an admin secret of at least thirty-two characters';
const put = (t: TestApp, key: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: `/storage/o/${key}`, payload: body, headers: { 'content-type': 'text/plain', ...headers } });

describe.each(DATABASES)('storage admin rights on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, ALLOWED_USER_ROLES: 'user,admin', RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('a demoted admin’s unexpired access token no longer reads other users’ files', async () => {
    const t = get();
    const owner = await register(t);
    expect((await put(t, `user/${owner.user.id}/diary.txt`, 'private', bearer(owner.jwt_token))).statusCode).toBe(200);
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    const read = () => t.request({ url: `/storage/o/user/${owner.user.id}/diary.txt`, headers: bearer(admin.jwt_token) });
    expect((await read()).statusCode).toBe(200);
    const demote = { roles: ['user'], default_role: 'user' };
    const res = await t.request({ method: 'PUT', url: `/admin/users/${admin.user.id}/roles`, headers: { 'x-admin-secret': ADMIN_SECRET }, payload: demote });
    expect(res.statusCode).toBe(204);
    // The token still claims the admin role until it expires; storage asks the live user.
    expect([403, 404]).toContain((await read()).statusCode);
    const write = await put(t, `user/${owner.user.id}/diary.txt`, 'overwritten', bearer(admin.jwt_token));
    expect([403, 404]).toContain(write.statusCode);
    expect((await t.request({ url: `/storage/o/user/${owner.user.id}/diary.txt`, headers: bearer(owner.jwt_token) })).body).toBe('private');
  });
});

// Two instances on one database and one storage directory, as behind a balancer: each keeps a metadata cache.
describe.each(DATABASES)('a file replaced on another instance on %s', (db) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const shared = { ADMIN_SECRET, JWT_KEY: 'a shared HMAC key of at least thirty-two characters', COOKIE_SECRET: 'a shared cookie secret of at least 32 characters', STORAGE_METADATA_CACHE_MS: '60000' };
    a = await buildTestApp(db, shared);
    const database = a.config.database.kind === 'postgres' ? { DATABASE_URL: a.config.database.url } : {};
    // Same DATA_DIR: the same storage directory (and, on SQLite, the same database file).
    b = await buildTestApp(db, { ...shared, ...database, DATA_DIR: a.config.dataDir });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('is served in its new version, never as 404 "The file is gone", by an instance that cached the old one', async () => {
    const { user, jwt_token } = await register(a);
    const key = `user/${user.id}/report.txt`;
    const get = (t: TestApp, headers: Record<string, string> = {}) => t.request({ url: `/storage/o/${key}`, headers: { ...bearer(jwt_token), ...headers } });
    expect((await put(b, key, 'version one', bearer(jwt_token))).statusCode).toBe(200);
    expect((await get(a)).body).toBe('version one'); // now in a's metadata cache for a minute
    // b replaces the file and removes the old object.
    expect((await put(b, key, 'version two, longer', bearer(jwt_token))).statusCode).toBe(200);
    const whole = await get(a);
    expect([whole.statusCode, whole.body]).toEqual([200, 'version two, longer']);
    expect(whole.headers['content-length']).toBe(String('version two, longer'.length));
    // A range is taken of the current version too.
    expect((await put(b, key, 'version three', bearer(jwt_token))).statusCode).toBe(200);
    const part = await get(a, { range: 'bytes=8-' });
    expect([part.statusCode, part.body]).toEqual([206, 'three']);
  });

  it('still answers 404 for a file deleted on the other instance', async () => {
    const { user, jwt_token } = await register(a);
    const key = `user/${user.id}/gone.txt`;
    expect((await put(b, key, 'short-lived', bearer(jwt_token))).statusCode).toBe(200);
    expect((await a.request({ url: `/storage/o/${key}`, headers: bearer(jwt_token) })).statusCode).toBe(200);
    expect((await b.request({ method: 'DELETE', url: `/storage/o/${key}`, headers: bearer(jwt_token) })).statusCode).toBe(204);
    expect((await a.request({ url: `/storage/o/${key}`, headers: bearer(jwt_token) })).statusCode).toBe(404);
  });

  it('keeps an old share link from reading the new version (its token was rotated by the replace)', async () => {
    const { user, jwt_token } = await register(a);
    const key = `user/${user.id}/shared.txt`;
    const first = await put(b, key, 'shared once', bearer(jwt_token));
    const token = first.json().Metadata.token as string;
    expect((await a.request({ url: `/storage/o/${key}?token=${encodeURIComponent(token)}` })).body).toBe('shared once');
    expect((await put(b, key, 'not for the old link', bearer(jwt_token))).statusCode).toBe(200);
    expect([403, 404]).toContain((await a.request({ url: `/storage/o/${key}?token=${encodeURIComponent(token)}` })).statusCode);
  });
});
