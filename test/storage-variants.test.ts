import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { useS3 } from './helpers/s3.js';

const ADMIN = { 'x-admin-secret': 'variants-admin-secret-variants-admin' };
const SUITES = DATABASES.flatMap((db) => (['disk', 's3'] as const).map((backend) => [backend, db] as const));

const upload = (t: TestApp, key: string, body: Buffer) =>
  t.request({
    method: 'POST',
    url: `/storage/o/${key}`,
    payload: body,
    headers: { ...ADMIN, 'content-type': 'image/png' },
  });
const solid = (r: number, g: number, b: number) =>
  sharp({ create: { width: 300, height: 200, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

describe.each(SUITES)('variant cache on %s with %s', (backend, db) => {
  const s3 = useS3();
  const get = useTestApp(db, () => ({ ...(backend === 's3' ? s3().env : {}), ADMIN_SECRET: ADMIN['x-admin-secret'] }));

  it('serves a variant larger than the in-memory limit from the variant cache, byte for byte', async () => {
    const t = get();
    // Noise does not compress: a 700-pixel-wide PNG variant is about a megabyte.
    const noise = await sharp({
      create: {
        width: 800,
        height: 800,
        channels: 3,
        background: 'black',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png()
      .toBuffer();
    expect((await upload(t, 'big/noise.png', noise)).statusCode).toBe(200);
    const made = await t.request({ url: '/storage/o/big/noise.png?w=700&f=png', headers: ADMIN });
    expect(made.statusCode).toBe(200);
    expect(made.rawPayload.length).toBeGreaterThan(256 * 1024);
    await t.app.services.background.drain();
    const cached = await t.request({ url: '/storage/o/big/noise.png?w=700&f=png', headers: ADMIN });
    expect(cached.statusCode).toBe(200);
    expect(cached.headers.etag).toBe(made.headers.etag);
    expect(cached.rawPayload.equals(made.rawPayload)).toBe(true);
    expect((await sharp(cached.rawPayload).metadata()).width).toBe(700);
  });

  it('never serves the variant of a replaced image', async () => {
    const t = get();
    await upload(t, 'swap/pic.png', await solid(250, 0, 0));
    const red = await t.request({ url: '/storage/o/swap/pic.png?w=30&f=png', headers: ADMIN });
    await upload(t, 'swap/pic.png', await solid(0, 0, 250));
    const blue = await t.request({ url: '/storage/o/swap/pic.png?w=30&f=png', headers: ADMIN });
    expect(blue.headers.etag).not.toBe(red.headers.etag);
    const { data } = await sharp(blue.rawPayload).raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]]).toEqual([0, 0, 250]);
    await t.request({ method: 'DELETE', url: '/storage/o/swap/pic.png', headers: ADMIN });
    expect((await t.request({ url: '/storage/o/swap/pic.png?w=30&f=png', headers: ADMIN })).statusCode).toBe(404);
  });

  it('answers 12 concurrent requests for a new variant with the same image', async () => {
    const t = get();
    await upload(t, 'same/pic.png', await solid(10, 200, 10));
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => t.request({ url: '/storage/o/same/pic.png?w=41&f=webp', headers: ADMIN })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((r) => r.headers.etag)).size).toBe(1);
    expect(answers.every((r) => r.rawPayload.equals(answers[0]!.rawPayload))).toBe(true);
  });
});
