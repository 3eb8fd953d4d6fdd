import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';
import { useBrowser } from './helpers/browser.js';

// Each payload, if it runs, logs MARKER and sets the title: both are looked for.
const MARKER = 'gatehouse-xss-ran';
const RUN = `console.log('${MARKER}'); document.title = '${MARKER}';`;
const PAYLOADS = [
  // The reported bug: Chromium renders text/xsl as an XML document and runs XHTML scripts in it.
  {
    name: 'evil.xsl',
    type: 'text/xsl',
    body: `<?xml version="1.0"?><root><script xmlns="http://www.w3.org/1999/xhtml">${RUN}</script></root>`,
  },
  { name: 'evil.html', type: 'text/html', body: `<!doctype html><html><body><script>${RUN}</script></body></html>` },
  {
    name: 'evil.svg',
    type: 'image/svg+xml',
    body: `<svg xmlns="http://www.w3.org/2000/svg"><script>${RUN}</script></svg>`,
  },
  {
    name: 'evil.xml',
    type: 'application/xml',
    body: `<?xml version="1.0"?><root><script xmlns="http://www.w3.org/1999/xhtml">${RUN}</script></root>`,
  },
  // Served inline as text/plain: nosniff keeps it text even though it looks like HTML.
  { name: 'evil.txt', type: 'text/plain', body: `<html><body><script>${RUN}</script></body></html>` },
];
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Opens `url` in a fresh page and tells whether any script of the answer ran. */
async function scriptRan(page: Page, url: string): Promise<boolean> {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('dialog', (d) => void d.dismiss());
  // An attachment is a download, not a document: navigation then ends with an error.
  const loaded = await page.goto(url, { waitUntil: 'load' }).then(
    () => true,
    () => false,
  );
  const title = loaded ? await page.title() : '';
  return logs.includes(MARKER) || title === MARKER;
}

describe.each(DATABASES)('stored files never run as scripts on our origin (%s)', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000' });
  const browser = useBrowser();
  let origin = '';
  // A server of our own that serves the same payloads the way storage used to (inline, own type):
  // proves that the payloads do run in this Chromium, so "did not run" below means something.
  let control: Server;
  let controlOrigin = '';

  beforeAll(async () => {
    await get().app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(get().app.server.address() as AddressInfo).port}`;
    control = createServer((req, res) => {
      const p = PAYLOADS.find((x) => req.url === `/${x.name}`);
      res.writeHead(p ? 200 : 404, { 'content-type': p?.type ?? 'text/plain' }).end(p?.body ?? '');
    });
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    controlOrigin = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => control.close(() => resolve())));

  async function upload(t: TestApp, key: string, type: string, body: string | Buffer) {
    const { jwt_token } = await register(t);
    const res = await t.request({
      method: 'POST',
      url: `/storage/o/${key}`,
      payload: body,
      headers: { ...bearer(jwt_token), 'content-type': type },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as { ContentType: string; Metadata: { token: string } };
  }

  it.each(PAYLOADS.filter((p) => p.type !== 'text/plain'))(
    'the payload $name ($type) runs in Chromium when served inline as its type',
    async (p) => {
      const page = await browser().newPage();
      try {
        expect(await scriptRan(page, `${controlOrigin}/${p.name}`)).toBe(true);
      } finally {
        await page.close();
      }
    },
  );

  it.each(PAYLOADS)(
    'a $type file with a script, opened from its share link, runs nothing (regression: stored XSS through text/xsl)',
    async (p) => {
      const t = get();
      const owner = await register(t);
      const key = `user/${owner.user.id}/${p.name}`;
      const up = await t.request({
        method: 'POST',
        url: `/storage/o/${key}`,
        payload: p.body,
        headers: { ...bearer(owner.jwt_token), 'content-type': p.type },
      });
      expect(up.statusCode).toBe(200);
      const url = `/storage/o/${key}?token=${encodeURIComponent(up.json().Metadata.token)}`;

      const head = await t.request({ url });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(head.headers['x-content-type-options']).toBe('nosniff');
      if (p.type === 'text/plain') expect(head.headers['content-disposition']).toMatch(/^inline;/);
      else
        expect([head.headers['content-disposition']?.toString().split(';')[0], head.headers['content-type']]).toEqual([
          'attachment',
          'application/octet-stream',
        ]);

      const page = await browser().newPage();
      try {
        expect(await scriptRan(page, `${origin}${url}`)).toBe(false);
      } finally {
        await page.close();
      }
    },
  );

  it('still shows a PNG inline under the sandbox', async () => {
    const t = get();
    await upload(t, 'public/dot.png', 'image/png', PNG);
    const page = await browser().newPage();
    try {
      const res = await page.goto(`${origin}/storage/o/public/dot.png`);
      expect(res?.headers()['content-disposition']).toMatch(/^inline;/);
      expect(await page.evaluate(() => document.images[0]?.naturalWidth)).toBe(1);
    } finally {
      await page.close();
    }
  });
});

describe.each(DATABASES)('share links move to STORAGE_PUBLIC_URL (%s)', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_AUTH_PER_IP: '10000', STORAGE_PUBLIC_URL: 'https://files.example.net/' });

  it('redirects a share link to the files origin, which serves it; signed-in reads stay where they are', async () => {
    const t = get();
    const { jwt_token, user } = await register(t);
    const key = `user/${user.id}/notes.txt`;
    const up = await t.request({
      method: 'POST',
      url: `/storage/o/${key}`,
      payload: 'shared notes',
      headers: { ...bearer(jwt_token), 'content-type': 'text/plain' },
    });
    const link = `/storage/o/${key}?token=${encodeURIComponent(up.json().Metadata.token)}`;

    const moved = await t.request({ url: link, headers: { host: 'auth.example.com' } });
    expect([moved.statusCode, moved.headers.location]).toEqual([302, `https://files.example.net${link}`]);
    const served = await t.request({ url: link, headers: { host: 'files.example.net' } });
    expect([served.statusCode, served.body]).toEqual([200, 'shared notes']);
    const own = await t.request({
      url: `/storage/o/${key}`,
      headers: { ...bearer(jwt_token), host: 'auth.example.com' },
    });
    expect([own.statusCode, own.body]).toEqual([200, 'shared notes']);
  });
});
