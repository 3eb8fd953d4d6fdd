import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';
import { useS3 } from './helpers/s3.js';

const ADMIN_SECRET = 'a'.repeat(40);
// The smallest valid PNG (1×1, transparent).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const put = (t: TestApp, key: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  t.request({
    method: 'POST',
    url: `/storage/o/${key}`,
    payload: body,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  });

function multipartBody(name: string, type: string, content: Buffer) {
  const boundary = '----gatehouse-test';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

async function filesOnDisk(t: TestApp): Promise<string[]> {
  const root = path.join(t.config.dataDir, 'storage');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

const BACKENDS = ['disk', 's3'] as const;
const SUITES = DATABASES.flatMap((db) => BACKENDS.map((backend) => [backend, db] as const));

async function listening(t: TestApp): Promise<number> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  return (t.app.server.address() as { port: number }).port;
}

/** Sends bytes exactly as given and reads the status line and body of the answer. */
async function rawRequest(t: TestApp, text: string): Promise<{ status: number; body: string }> {
  const port = await listening(t);
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      const body = rest.join('\r\n\r\n');
      const chunked = /transfer-encoding: chunked/i.test(head ?? '');
      resolve({
        status: Number(head?.split(' ')[1]),
        body: chunked
          ? body
              .split('\r\n')
              .filter((_, i) => i % 2 === 1)
              .join('')
          : body,
      });
    });
  });
}

describe.each(SUITES)('storage on %s with %s', (backend, db) => {
  const s3 = useS3();
  const get = useTestApp(db, () => ({
    ...(backend === 's3' ? s3().env : {}),
    ADMIN_SECRET,
    STORAGE_MAX_FILE_SIZE: '65536',
    STORAGE_QUOTA: '100000',
    RATE_LIMIT_AUTH_PER_IP: '10000',
  }));
  /** What the backend holds: files under DATA_DIR/storage, or objects in the bucket. */
  const stored = (t: TestApp) => (backend === 's3' ? s3().objects() : filesOnDisk(t));

  it('replacing a file keeps one object: the new version', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    await put(t, 'public/v.txt', 'version one', bearer(jwt_token));
    const before = await stored(t);
    await put(t, 'public/v.txt', 'version two', bearer(jwt_token));
    expect((await stored(t)).length).toBe(before.length);
    expect((await t.request({ url: '/storage/o/public/v.txt' })).body).toBe('version two');
  });

  it('uploads a raw body and answers HBP metadata with a read token', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const res = await put(t, 'public/dot.png', PNG, { ...bearer(jwt_token), 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      key: 'public/dot.png',
      AcceptRanges: 'bytes',
      LastModified: expect.any(String),
      ContentLength: PNG.length,
      ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      ContentType: 'image/png', // from the bytes, not the declared text/plain
      Metadata: { token: expect.any(String) },
    });
    const meta = await t.request({ url: '/storage/m/public/dot.png' });
    // Readers get the read token too (HBP's clients build share links from it).
    expect(meta.json()).toMatchObject({
      key: 'public/dot.png',
      ContentType: 'image/png',
      Metadata: { token: res.json().Metadata.token },
    });
  });

  it('uploads a multipart "file" field', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const { body, type } = multipartBody('notes.txt', 'text/plain', Buffer.from('hello storage'));
    const res = await t.request({
      method: 'POST',
      url: '/storage/o/public/notes.txt',
      payload: body,
      headers: { ...bearer(jwt_token), 'content-type': type },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ContentType: 'text/plain', ContentLength: 13 });
    const down = await t.request({ url: '/storage/o/public/notes.txt' });
    expect(down.body).toBe('hello storage');
  });

  it('serves files with ETag, 304, ranges, nosniff, and HTML only as an attachment', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    await put(t, 'public/page.html', '<script>alert(1)</script>', {
      ...bearer(jwt_token),
      'content-type': 'text/html',
    });
    const page = await t.request({ url: '/storage/o/public/page.html' });
    expect(page.headers['content-type']).toBe('application/octet-stream');
    expect(page.headers['content-disposition']).toMatch(/^attachment;/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    const fake = await put(t, 'public/fake.png', '<html><body>not an image</body></html>', {
      ...bearer(jwt_token),
      'content-type': 'image/png',
    });
    expect(fake.json().ContentType).toBe('application/octet-stream');

    await put(t, 'public/digits.txt', '0123456789', { ...bearer(jwt_token), 'content-type': 'text/plain' });
    const full = await t.request({ url: '/storage/o/public/digits.txt' });
    expect(full.headers).toMatchObject({ 'accept-ranges': 'bytes', 'content-length': '10' });
    expect(full.headers['content-disposition']).toMatch(/^inline;/);
    const again = await t.request({
      url: '/storage/o/public/digits.txt',
      headers: { 'if-none-match': full.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    const since = await t.request({
      url: '/storage/o/public/digits.txt',
      headers: { 'if-modified-since': full.headers['last-modified'] as string },
    });
    expect(since.statusCode).toBe(304);
    const part = await t.request({ url: '/storage/o/public/digits.txt', headers: { range: 'bytes=2-5' } });
    expect([part.statusCode, part.body, part.headers['content-range']]).toEqual([206, '2345', 'bytes 2-5/10']);
    const tail = await t.request({ url: '/storage/o/public/digits.txt', headers: { range: 'bytes=-3' } });
    expect(tail.body).toBe('789');
    const outside = await t.request({ url: '/storage/o/public/digits.txt', headers: { range: 'bytes=20-30' } });
    expect([outside.statusCode, outside.headers['content-range']]).toEqual([416, 'bytes */10']);
  });

  it('keeps /user/{id}/ private to its user; 404 for others, who may not know it exists', async () => {
    const t = get();
    const a = await register(t);
    const b = await register(t);
    const key = `user/${a.user.id}/secret.txt`;
    expect((await put(t, key, 'mine', { ...bearer(a.jwt_token), 'content-type': 'text/plain' })).statusCode).toBe(200);
    expect((await t.request({ url: `/storage/o/${key}`, headers: bearer(a.jwt_token) })).body).toBe('mine');
    for (const headers of [bearer(b.jwt_token), {}]) {
      expect((await t.request({ url: `/storage/o/${key}`, headers })).statusCode).toBe(404);
      expect((await t.request({ url: `/storage/m/${key}`, headers })).statusCode).toBe(404);
      // An upload is refused with what would work (the same answer whether or not the file exists).
      expect((await put(t, key, 'theirs', headers)).statusCode).toBe('authorization' in headers ? 403 : 401);
      expect((await t.request({ method: 'DELETE', url: `/storage/o/${key}`, headers })).statusCode).toBe(404);
    }
    expect((await t.request({ url: `/storage/o/${key}`, headers: { 'x-admin-secret': ADMIN_SECRET } })).body).toBe(
      'mine',
    );
    expect(
      (await t.request({ url: `/storage/o/${key}`, headers: { 'x-admin-secret': 'b'.repeat(40) } })).statusCode,
    ).toBe(404);
  });

  it('lets anyone read /public/ but only signed-in users write there (403: they may know it exists)', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    await put(t, 'public/open.txt', 'open', { ...bearer(jwt_token), 'content-type': 'text/plain' });
    expect((await t.request({ url: '/storage/o/public/open.txt' })).body).toBe('open');
    // Signing in would allow it: 401 sign-in-required, saying so.
    expect((await put(t, 'public/open.txt', 'vandal')).statusCode).toBe(401);
    expect((await t.request({ method: 'DELETE', url: '/storage/o/public/open.txt' })).statusCode).toBe(403);
    expect((await put(t, 'elsewhere/x.txt', 'x', bearer(jwt_token))).statusCode).toBe(403); // admin only: says where
    expect((await put(t, 'elsewhere/x.txt', 'x', { 'x-admin-secret': ADMIN_SECRET })).statusCode).toBe(200);
  });

  it('grants read access to one file with ?token=, and rotates the token for its owner', async () => {
    const t = get();
    const a = await register(t);
    const key = `user/${a.user.id}/shared.txt`;
    const { Metadata } = (await put(t, key, 'shared', { ...bearer(a.jwt_token), 'content-type': 'text/plain' })).json();
    expect((await t.request({ url: `/storage/o/${key}?token=${Metadata.token}` })).body).toBe('shared');
    await put(t, `user/${a.user.id}/other.txt`, 'other', bearer(a.jwt_token));
    expect(
      (await t.request({ url: `/storage/o/user/${a.user.id}/other.txt?token=${Metadata.token}` })).statusCode,
    ).toBe(404);
    expect((await t.request({ method: 'DELETE', url: `/storage/m/${key}` })).statusCode).toBe(404);
    const rotated = await t.request({ method: 'DELETE', url: `/storage/m/${key}`, headers: bearer(a.jwt_token) });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().Metadata.token).not.toBe(Metadata.token);
    expect((await t.request({ url: `/storage/o/${key}?token=${Metadata.token}` })).statusCode).toBe(404);
    expect((await t.request({ url: `/storage/o/${key}?token=${rotated.json().Metadata.token}` })).statusCode).toBe(200);
  });

  it('shows the read token in the metadata to readers only, and keeps it sealed at rest', async () => {
    const t = get();
    const [a, b] = [await register(t), await register(t)];
    const key = `user/${a.user.id}/sealed.txt`;
    const { Metadata } = (await put(t, key, 'sealed', { ...bearer(a.jwt_token), 'content-type': 'text/plain' })).json();
    expect((await t.request({ url: `/storage/m/${key}`, headers: bearer(a.jwt_token) })).json().Metadata).toEqual({
      token: Metadata.token,
    });
    expect((await t.request({ url: `/storage/m/user/${a.user.id}/`, headers: bearer(a.jwt_token) })).json()).toEqual([
      expect.objectContaining({ Metadata: { token: Metadata.token } }),
    ]);
    expect((await t.request({ url: `/storage/m/${key}`, headers: bearer(b.jwt_token) })).statusCode).toBe(404);
    const row = await t.app.services.db.kysely
      .selectFrom('files')
      .select(['token_hash', 'token_sealed'])
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(Metadata.token);
    expect(row.token_sealed).toMatch(/^v1\./);
  });

  it('lists a folder’s metadata and zips it', async () => {
    const t = get();
    const a = await register(t);
    const dir = `user/${a.user.id}/album`;
    await put(t, `${dir}/one.txt`, 'first file', { ...bearer(a.jwt_token), 'content-type': 'text/plain' });
    await put(t, `${dir}/two/deep.png`, PNG, bearer(a.jwt_token));
    const list = await t.request({ url: `/storage/m/${dir}/`, headers: bearer(a.jwt_token) });
    expect(list.json().map((m: { key: string }) => m.key)).toEqual([`${dir}/one.txt`, `${dir}/two/deep.png`]);
    const zip = await t.request({ url: `/storage/o/${dir}/`, headers: bearer(a.jwt_token) });
    expect(zip.statusCode).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.rawPayload.subarray(0, 2).toString()).toBe('PK');
    expect(zip.rawPayload.includes(Buffer.from('one.txt'))).toBe(true);
    expect(zip.rawPayload.includes(Buffer.from('two/deep.png'))).toBe(true);
    const b = await register(t);
    expect((await t.request({ url: `/storage/o/${dir}/`, headers: bearer(b.jwt_token) })).statusCode).toBe(404);
  });

  it('deletes a file', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const before = await stored(t);
    await put(t, 'public/gone.txt', 'bye', bearer(jwt_token));
    expect((await stored(t)).length).toBe(before.length + 1);
    expect(
      (await t.request({ method: 'DELETE', url: '/storage/o/public/gone.txt', headers: bearer(jwt_token) })).statusCode,
    ).toBe(204);
    expect((await t.request({ url: '/storage/o/public/gone.txt' })).statusCode).toBe(404);
    expect(await stored(t)).toEqual(before);
    expect(
      (await t.request({ method: 'DELETE', url: '/storage/o/public/gone.txt', headers: bearer(jwt_token) })).statusCode,
    ).toBe(404);
  });

  it('refuses a file over STORAGE_MAX_FILE_SIZE with 413, leaving no file and no metadata', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const before = await stored(t);
    const res = await put(t, 'public/big.bin', Buffer.alloc(65537, 1), bearer(jwt_token));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload-too-large');
    expect((await t.request({ url: '/storage/m/public/big.bin' })).statusCode).toBe(404);
    expect(await stored(t)).toEqual(before);
  });

  it('enforces the per-user quota', async () => {
    const t = get();
    const a = await register(t);
    for (let i = 0; i < 3; i++)
      expect(
        (await put(t, `user/${a.user.id}/q${i}.bin`, Buffer.alloc(30000, i), bearer(a.jwt_token))).statusCode,
      ).toBe(200);
    const over = await put(t, `user/${a.user.id}/q3.bin`, Buffer.alloc(30000, 3), bearer(a.jwt_token));
    expect(over.statusCode).toBe(413);
    expect(over.json().code).toBe('quota-exceeded');
    // Replacing a file counts its old size back.
    expect((await put(t, `user/${a.user.id}/q0.bin`, Buffer.alloc(30000, 9), bearer(a.jwt_token))).statusCode).toBe(
      200,
    );
  });

  it.each([
    ['public/%2e%2e/%2e%2e/etc/passwd', 'invalid-path'],
    ['public/../../etc/passwd', 'invalid-path'],
    ['public/..%2Fsecret', 'invalid-path'],
    ['public/a%00b', 'invalid-path'],
    ['public//double', 'invalid-path'],
    ['public/%5C..%5Cwin', 'invalid-path'],
    ['C%3A/windows/x', 'invalid-path'],
    ['public/%FF', 'invalid-url'],
  ])('refuses the path %s with 400 %s, sent as is over HTTP', async (raw, code) => {
    const t = get();
    const { jwt_token } = await register(t);
    const before = await stored(t);
    // A real socket: HTTP clients (and inject) would normalise dot segments before sending.
    const { status, body } = await rawRequest(
      t,
      `POST /storage/o/${raw} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${jwt_token}\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`,
    );
    expect(status).toBe(400);
    expect(JSON.parse(body).code).toBe(code);
    expect(await stored(t)).toEqual(before);
  });

  it('an upload aborted mid-way leaves no file and no metadata', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const before = await stored(t);
    const port = await listening(t);
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /storage/o/public/aborted.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${jwt_token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 60000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(20000, 7), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.request({ url: '/storage/m/public/aborted.bin' })).statusCode).toBe(404);
    expect(await stored(t)).toEqual(before);
  });
});
