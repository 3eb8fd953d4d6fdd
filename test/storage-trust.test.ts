import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, buildTestApp, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

async function listening(t: TestApp): Promise<number> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  return (t.app.server.address() as { port: number }).port;
}

const ADMIN_SECRET = 'an admin secret of at least thirty-two characters';
const put = (t: TestApp, key: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  t.request({
    method: 'POST',
    url: `/storage/o/${key}`,
    payload: body,
    headers: { 'content-type': 'text/plain', ...headers },
  });

describe.each(DATABASES)('storage admin rights on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, ALLOWED_USER_ROLES: 'user,admin', RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('a demoted admin’s unexpired access token no longer reads other users’ files', async () => {
    const t = get();
    const owner = await register(t);
    expect((await put(t, `user/${owner.user.id}/diary.txt`, 'private', bearer(owner.jwt_token))).statusCode).toBe(200);
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    const read = () =>
      t.request({ url: `/storage/o/user/${owner.user.id}/diary.txt`, headers: bearer(admin.jwt_token) });
    expect((await read()).statusCode).toBe(200);
    const demote = { roles: ['user'], default_role: 'user' };
    const res = await t.request({
      method: 'PUT',
      url: `/admin/users/${admin.user.id}/roles`,
      headers: { 'x-admin-secret': ADMIN_SECRET },
      payload: demote,
    });
    expect(res.statusCode).toBe(204);
    // The token still claims the admin role until it expires; storage asks the live user.
    expect([403, 404]).toContain((await read()).statusCode);
    const write = await put(t, `user/${owner.user.id}/diary.txt`, 'overwritten', bearer(admin.jwt_token));
    expect([403, 404]).toContain(write.statusCode);
    expect(
      (await t.request({ url: `/storage/o/user/${owner.user.id}/diary.txt`, headers: bearer(owner.jwt_token) })).body,
    ).toBe('private');
  });
});

// Two instances on one database and one storage directory, as behind a balancer: each keeps a metadata cache.
describe.each(DATABASES)('a file replaced on another instance on %s', (db) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const shared = {
      ADMIN_SECRET,
      JWT_KEY: 'a shared HMAC key of at least thirty-two characters',
      COOKIE_SECRET: 'a shared cookie secret of at least 32 characters',
      STORAGE_METADATA_CACHE_MS: '60000',
      STORAGE_QUOTA: '200000',
    };
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
    const get = (t: TestApp, headers: Record<string, string> = {}) =>
      t.request({ url: `/storage/o/${key}`, headers: { ...bearer(jwt_token), ...headers } });
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

  it('holds the quota across instances: 8 parallel uploads of 60 KB, half on each, store at most 200 KB', async () => {
    const { user, jwt_token } = await register(a);
    const headers = { ...bearer(jwt_token), 'content-type': 'application/octet-stream' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        put(i % 2 ? a : b, `user/${user.id}/both-${i}.bin`, Buffer.alloc(60_000, i), headers),
      ),
    );
    const stored = (await a.request({ url: `/storage/m/user/${user.id}/`, headers: bearer(jwt_token) })).json();
    const total = (stored as { ContentLength: number }[]).reduce((n, f) => n + f.ContentLength, 0);
    expect(total, JSON.stringify(answers.map((r) => [r.statusCode, r.body.slice(0, 80)]))).toBe(180_000);
    expect(answers.filter((r) => r.statusCode === 413)).toHaveLength(5);
  });

  it('still answers 404 for a file deleted on the other instance', async () => {
    const { user, jwt_token } = await register(a);
    const key = `user/${user.id}/gone.txt`;
    expect((await put(b, key, 'short-lived', bearer(jwt_token))).statusCode).toBe(200);
    expect((await a.request({ url: `/storage/o/${key}`, headers: bearer(jwt_token) })).statusCode).toBe(200);
    expect(
      (await b.request({ method: 'DELETE', url: `/storage/o/${key}`, headers: bearer(jwt_token) })).statusCode,
    ).toBe(204);
    expect((await a.request({ url: `/storage/o/${key}`, headers: bearer(jwt_token) })).statusCode).toBe(404);
  });

  it('keeps an old share link from reading the new version (its token was rotated by the replace)', async () => {
    const { user, jwt_token } = await register(a);
    const key = `user/${user.id}/shared.txt`;
    const first = await put(b, key, 'shared once', bearer(jwt_token));
    const token = first.json().Metadata.token as string;
    expect((await a.request({ url: `/storage/o/${key}?token=${encodeURIComponent(token)}` })).body).toBe('shared once');
    expect((await put(b, key, 'not for the old link', bearer(jwt_token))).statusCode).toBe(200);
    expect([403, 404]).toContain(
      (await a.request({ url: `/storage/o/${key}?token=${encodeURIComponent(token)}` })).statusCode,
    );
  });
});

describe.each(DATABASES)('storage quota under concurrency on %s', (db) => {
  const QUOTA = 200_000;
  const get = useTestApp(db, { ADMIN_SECRET, STORAGE_QUOTA: String(QUOTA), RATE_LIMIT_AUTH_PER_IP: '10000' });
  /** What the user's files take, from the metadata the server answers. */
  async function stored(t: TestApp, userId: string, jwt: string): Promise<number> {
    const res = await t.request({ url: `/storage/m/user/${userId}/`, headers: bearer(jwt) });
    return (res.json() as { ContentLength: number }[]).reduce((n, f) => n + f.ContentLength, 0);
  }

  it('8 parallel uploads of 60 KB never store more than a 200 KB quota (the 480 KB race)', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        put(t, `user/${user.id}/race-${i}.bin`, Buffer.alloc(60_000, i), {
          ...bearer(jwt_token),
          'content-type': 'application/octet-stream',
        }),
      ),
    );
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(3);
    expect(answers.filter((r) => r.statusCode === 413).map((r) => r.json().code)).toEqual(
      Array(5).fill('quota-exceeded'),
    );
    expect(await stored(t, user.id, jwt_token)).toBe(180_000);
    // Every reservation went back: the 20 KB left can still be used.
    expect(
      (
        await put(t, `user/${user.id}/rest.bin`, Buffer.alloc(20_000), {
          ...bearer(jwt_token),
          'content-type': 'application/octet-stream',
        })
      ).statusCode,
    ).toBe(200);
  });

  it('an upload aborted mid-way gives its reservation back: the whole quota stays usable', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const port = await listening(t);
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        const head = `POST /storage/o/user/${user.id}/aborted.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${jwt_token}\r\n`;
        // Declares (and so reserves) 190 KB, sends 20 KB, and goes away.
        socket.write(`${head}Content-Type: application/octet-stream\r\nContent-Length: 190000\r\n\r\n`);
        socket.write(Buffer.alloc(20_000, 7), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    const headers = { ...bearer(jwt_token), 'content-type': 'application/octet-stream' };
    await expect
      .poll(async () => (await put(t, `user/${user.id}/after-abort.bin`, Buffer.alloc(190_000), headers)).statusCode, {
        timeout: 3000,
      })
      .toBe(200);
    expect(await stored(t, user.id, jwt_token)).toBe(190_000);
  });

  it('streamed uploads without a Content-Length, in parallel over real HTTP, never exceed the quota either', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const port = await listening(t);
    const chunk = Buffer.alloc(16_000, 7);
    const upload = (i: number) => {
      // 5 chunks of 16 KB with pauses: the reservation grows while the bytes arrive.
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (let n = 0; n < 5; n++) {
            controller.enqueue(new Uint8Array(chunk));
            await new Promise((r) => setTimeout(r, 5));
          }
          controller.close();
        },
      });
      const init = {
        method: 'POST',
        body,
        duplex: 'half',
        headers: { ...bearer(jwt_token), 'content-type': 'application/octet-stream' },
      };
      return fetch(`http://127.0.0.1:${port}/storage/o/user/${user.id}/stream-${i}.bin`, init as RequestInit).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
        // A refusal (413, then the connection closed) can reach a client still sending as a broken pipe.
        (err: { cause?: { code?: string } }) => {
          if (err.cause?.code === 'EPIPE' || err.cause?.code === 'ECONNRESET') return 413;
          throw err;
        },
      );
    };
    // Alone, a streamed upload grows its reservation chunk by chunk and is stored whole.
    expect(await upload(0)).toBe(200);
    // In parallel, which ones fit depends on how their chunks interleave; together they never exceed the quota.
    const codes = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(i + 1)));
    expect(codes.every((c) => c === 200 || c === 413)).toBe(true);
    codes.push(200);
    const total = await stored(t, user.id, jwt_token);
    expect(total).toBeLessThanOrEqual(QUOTA);
    expect(total).toBe(codes.filter((c) => c === 200).length * 80_000);
  });
});
