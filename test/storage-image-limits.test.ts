import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

async function uploadPng(t: TestApp, key: string, width: number, height: number) {
  const { jwt_token } = await register(t);
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 10, g: 200, b: 90 } } })
    .png()
    .toBuffer();
  const res = await t.request({
    method: 'POST',
    url: `/storage/o/${key}`,
    payload: png,
    headers: { ...bearer(jwt_token), 'content-type': 'image/png' },
  });
  expect(res.statusCode).toBe(200);
}

describe.each(DATABASES)('image work is bounded (%s)', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000', STORAGE_IMAGE_MAX_PIXELS: '4000000' });
  beforeAll(async () => uploadPng(get(), 'public/tiny.png', 2, 2));

  // Regression: four parallel 8192×8192 r=full of a 2×2 PNG took the server to 2.5 GiB.
  it.each(['w=8192&h=8192&r=full', 'w=8192&h=8192', 'w=4096', 'h=2001&r=5'])(
    'refuses %s of a 2×2 PNG: the output would exceed STORAGE_IMAGE_MAX_PIXELS',
    async (query) => {
      const res = await get().request({ url: `/storage/o/public/tiny.png?${query}` });
      expect([res.statusCode, res.json().code]).toEqual([400, 'image-too-large']);
    },
  );

  it('makes an output just within the limit, with rounded corners', async () => {
    const res = await get().request({ url: '/storage/o/public/tiny.png?w=2000&h=2000&r=full&f=png' });
    expect(res.statusCode).toBe(200);
    const { data, info } = await sharp(res.rawPayload).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const alpha = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
    expect([info.width, info.height]).toEqual([2000, 2000]);
    expect([
      alpha(0, 0),
      alpha(1999, 0),
      alpha(0, 1999),
      alpha(1999, 1999),
      alpha(1000, 1000),
      alpha(1000, 0),
      alpha(0, 1000),
    ]).toEqual([0, 0, 0, 0, 255, 255, 255]);
  });
});

describe.each(DATABASES)('a full transform queue answers 503 with Retry-After (%s)', (db) => {
  const get = useTestApp(db, {
    RATE_LIMIT_AUTH_PER_IP: '10000',
    STORAGE_IMAGE_CONCURRENCY: '1',
    STORAGE_IMAGE_QUEUE: '1',
  });
  beforeAll(async () => uploadPng(get(), 'public/photo.png', 1500, 1500));

  it('runs one transform, queues one, and turns the rest away until a slot is free', async () => {
    const t = get();
    // Eight different variants (nothing cached) asked for at once, each a heavy blur.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.request({ url: `/storage/o/public/photo.png?w=${1400 + i}&b=40` })),
    );
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const busy = answers.find((r) => r.statusCode === 503)!;
    expect([busy.json().code, busy.headers['retry-after']]).toEqual(['transforms-busy', '1']);
    // Once they are done, the slot is free again.
    expect((await t.request({ url: '/storage/o/public/photo.png?w=100' })).statusCode).toBe(200);
  });
});
