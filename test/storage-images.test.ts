import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';
import { useS3 } from './helpers/s3.js';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A 20000×20000 PNG of a few hundred bytes: the header promises 400 megapixels. */
function pngBomb(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20000, 0);
  ihdr.writeUInt32BE(20000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(60001))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const decode = async (body: Buffer) => {
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const alphaAt = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
  return { ...(await sharp(body).metadata()), alphaAt };
};

const SUITES = DATABASES.flatMap((db) => (['disk', 's3'] as const).map((backend) => [backend, db] as const));

describe.each(SUITES)('image transforms on %s with %s', (backend, db) => {
  const s3 = useS3();
  const get = useTestApp(db, () => ({ ...(backend === 's3' ? s3().env : {}), RATE_LIMIT_AUTH_PER_IP: '10000' }));
  let url: string;
  let t: TestApp;

  beforeAll(async () => {
    t = get();
    const { jwt_token } = await register(t);
    const png = await sharp({ create: { width: 400, height: 200, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .png()
      .toBuffer();
    const res = await t.request({
      method: 'POST',
      url: '/storage/o/public/red.png',
      payload: png,
      headers: { ...bearer(jwt_token), 'content-type': 'image/png' },
    });
    expect(res.statusCode).toBe(200);
    url = '/storage/o/public/red.png';
    const bomb = await t.request({
      method: 'POST',
      url: '/storage/o/public/bomb.png',
      payload: pngBomb(),
      headers: { ...bearer(jwt_token), 'content-type': 'image/png' },
    });
    expect(bomb.json().ContentType).toBe('image/png');
    await t.request({
      method: 'POST',
      url: '/storage/o/public/doc.txt',
      payload: 'text',
      headers: { ...bearer(jwt_token), 'content-type': 'text/plain' },
    });
  });

  it('resizes keeping the aspect ratio when only the width or height is given', async () => {
    const w = await t.request({ url: `${url}?w=100` });
    expect(w.headers['content-type']).toBe('image/png');
    expect(await decode(w.rawPayload)).toMatchObject({ width: 100, height: 50, format: 'png' });
    expect(await decode((await t.request({ url: `${url}?h=50` })).rawPayload)).toMatchObject({
      width: 100,
      height: 50,
    });
    expect(await decode((await t.request({ url: `${url}?w=120&h=120` })).rawPayload)).toMatchObject({
      width: 120,
      height: 120,
    });
  });

  it('converts formats, with auto choosing WebP when the client accepts it', async () => {
    expect((await decode((await t.request({ url: `${url}?f=webp` })).rawPayload)).format).toBe('webp');
    expect((await decode((await t.request({ url: `${url}?f=jpeg&q=40` })).rawPayload)).format).toBe('jpeg');
    const auto = await t.request({ url: `${url}?f=auto&w=50`, headers: { accept: 'image/avif,image/webp,*/*' } });
    expect([auto.headers['content-type'], auto.headers.vary]).toEqual(['image/webp', 'Accept']);
    expect(
      (await decode((await t.request({ url: `${url}?f=auto&w=50`, headers: { accept: 'image/png' } })).rawPayload))
        .format,
    ).toBe('png');
    const low = (await t.request({ url: `${url}?f=jpeg&q=1` })).rawPayload.length;
    const high = (await t.request({ url: `${url}?f=jpeg&q=100` })).rawPayload.length;
    expect(low).toBeLessThan(high);
  });

  it('rounds corners with transparency, and blurs', async () => {
    const round = await decode((await t.request({ url: `${url}?w=100&h=100&r=full` })).rawPayload);
    expect([round.alphaAt(0, 0), round.alphaAt(99, 0), round.alphaAt(0, 99), round.alphaAt(99, 99)]).toEqual([
      0, 0, 0, 0,
    ]);
    expect(round.alphaAt(50, 50)).toBe(255);
    const small = await decode((await t.request({ url: `${url}?r=10` })).rawPayload);
    expect([small.alphaAt(0, 0), small.alphaAt(10, 10), small.alphaAt(200, 100)]).toEqual([0, 255, 255]);
    expect((await t.request({ url: `${url}?b=5` })).statusCode).toBe(200);
  });

  it('caches variants and serves them again with the same ETag, or 304', async () => {
    const first = await t.request({ url: `${url}?w=64&f=webp` });
    const second = await t.request({ url: `${url}?w=64&f=webp` });
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(
      (await t.request({ url: `${url}?w=64&f=webp`, headers: { 'if-none-match': first.headers.etag as string } }))
        .statusCode,
    ).toBe(304);
    expect((await t.request({ url: `${url}?w=65&f=webp` })).headers.etag).not.toBe(first.headers.etag);
    await t.app.services.background.drain(); // variants are written to the backend after the answer
    if (backend === 's3')
      expect((await s3().objects()).filter((k) => k.startsWith('variants/')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(['w=8193', 'w=-1', 'w=abc', 'h=1.5', 'q=0', 'q=101', 'f=gif', 'r=round', 'b=0.1', 'b=1001', 'w='])(
    'refuses %s with 400',
    async (query) => {
      const res = await t.request({ url: `${url}?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invalid-transform');
    },
  );

  it('refuses a 20000×20000 PNG bomb before decoding it', async () => {
    const res = await t.request({ url: '/storage/o/public/bomb.png?w=100' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('image-too-large');
  });

  it('refuses transforms of files that are not images', async () => {
    const res = await t.request({ url: '/storage/o/public/doc.txt?w=10' });
    expect([res.statusCode, res.json().code]).toEqual([400, 'not-an-image']);
  });
});
