import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { SMALL_OBJECT } from '../src/storage/zip.js';
import { ZipWriter } from '../src/storage/zip-writer.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { readZip } from './helpers/zip.js';

// Issue 24: a folder's zip is written by a lean streaming writer (src/storage/zip-writer.ts) with
// small objects read ahead. These tests check what a reader finds in it: every entry, right bytes,
// checked both by the suite's own reader and by Info-ZIP's `unzip` (a real, independent reader).

const ADMIN_SECRET = 'z'.repeat(40);
const admin = { 'x-admin-secret': ADMIN_SECRET };
const tmp = await mkdtemp(path.join(tmpdir(), 'gatehouse-zip-test-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Info-ZIP's test of every entry (CRC and sizes); its listing, one name a line. */
async function unzipCheck(zip: Buffer, name: string) {
  const file = path.join(tmp, `${name}.zip`);
  await writeFile(file, zip);
  const tested = execFileSync('unzip', ['-tq', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { tested, names: names.split('\n').filter(Boolean) };
}

/** The whole output of a writer, read as it is written (the writer waits for drains). */
async function written(use: (zip: ZipWriter) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks = out.toArray();
  await use(new ZipWriter(out));
  return Buffer.concat(await chunks);
}

describe('the zip writer', () => {
  it('writes zip64 end records for 70,000 entries (more than a plain zip can count), read by unzip', async () => {
    const count = 70_000;
    const date = new Date('2026-01-02T03:04:06Z');
    const zip = await written(async (w) => {
      for (let i = 0; i < count; i++)
        await w.addPrepared({ name: `e/${i}`, date }, { method: 0, crc: 0, size: 0, data: Buffer.alloc(0) });
      await w.finish();
    });
    expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // zip64 end of central directory
    const { tested, names } = await unzipCheck(zip, 'zip64');
    expect(tested).toMatch(/No errors detected/);
    expect(names).toHaveLength(count);
    expect(names[0]).toBe('e/0');
    expect(names[count - 1]).toBe(`e/${count - 1}`);
  });

  it('streams an entry through deflate with a data descriptor, beside stored and non-ASCII entries', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    const text = Buffer.from('the same line again\n'.repeat(10_000));
    const date = new Date();
    const zip = await written(async (w) => {
      await w.addStream(
        { name: 'big.bin', date },
        Readable.from([big.subarray(0, 1000), big.subarray(1000)]),
        big.length,
      );
      await w.addStream({ name: 'dir/日本語 é.txt', date }, Readable.from([text]), text.length);
      await w.addStream({ name: 'empty', date }, Readable.from([]), 0);
      await w.finish();
    });
    expect(zip.length).toBeLessThan(big.length + 100_000); // the text was deflated
    const entries = readZip(zip);
    expect(entries.get('big.bin')?.equals(big)).toBe(true);
    expect(entries.get('dir/日本語 é.txt')?.equals(text)).toBe(true);
    expect(entries.get('empty')?.length).toBe(0);
    const { tested, names } = await unzipCheck(zip, 'streamed');
    expect(tested).toMatch(/No errors detected/);
    expect(names).toEqual(['big.bin', 'dir/日本語 é.txt', 'empty']);
  });

  it('ends with an error instead of a wrong zip when a stream fails midway', async () => {
    const out = new PassThrough();
    out.resume();
    const w = new ZipWriter(out);
    const failing = new Readable({
      read() {
        this.destroy(new Error('backend read failed'));
      },
    });
    await expect(w.addStream({ name: 'x', date: new Date() }, failing, 10)).rejects.toThrow('backend read failed');
  });
});

describe.each(DATABASES)('zipping a folder of thousands of files (%s)', (db) => {
  const get = useTestApp(db, () => ({ ADMIN_SECRET }));
  /** Several pages of the row reader (500) and many read-ahead windows. */
  const FILES = 3_000;

  it('zips every file with its own bytes, in key order: small ones read ahead, large ones streamed', async () => {
    const t = get();
    // Distinct contents: compressible text, incompressible bytes (stored), objects above the
    // read-ahead size (streamed) and an empty one; 3,000 keys share them round-robin, so a
    // read-ahead answering for the wrong file would put a neighbour's bytes under a name.
    const contents = [
      ...Array.from({ length: 196 }, (_, i) => Buffer.from(`text object ${i}\n`.repeat(i * 7 + 1))),
      randomBytes(1500),
      randomBytes(SMALL_OBJECT + 1),
      Buffer.from('x'.repeat(SMALL_OBJECT * 2)),
      Buffer.alloc(0),
    ];
    for (const [i, body] of contents.entries()) {
      const res = await t.request({
        method: 'POST',
        url: `/storage/o/seed/${i}`,
        payload: body,
        headers: { ...admin, 'content-type': 'application/octet-stream' },
      });
      expect(res.statusCode).toBe(200);
    }
    // The folder's rows, written by SQL (uploading 3,000 objects would be most of the test's time).
    const key = (i: number) => `public/many/${String(i).padStart(5, '0')}`;
    const { kysely } = t.app.services.db;
    const raw = await kysely.selectFrom('files').selectAll().where('key', 'like', 'seed/%').execute();
    const rawOf = new Map(raw.map((r) => [r.key, r]));
    for (let i = 0; i < FILES; i += 500) {
      const rows = Array.from({ length: Math.min(500, FILES - i) }, (_, j) => ({
        ...rawOf.get(`seed/${(i + j) % contents.length}`)!,
        key: key(i + j),
      }));
      await kysely.insertInto('files').values(rows).execute();
    }

    const res = await t.request({ url: '/storage/o/public/many/', headers: admin });
    expect(res.statusCode).toBe(200);
    const entries = readZip(res.rawPayload);
    expect(entries.size).toBe(FILES);
    for (let i = 0; i < FILES; i++) {
      const name = key(i).slice('public/many/'.length);
      expect(entries.get(name)?.equals(contents[i % contents.length]!), name).toBe(true);
    }
    const { tested, names } = await unzipCheck(res.rawPayload, `folder-${db}`);
    expect(tested).toMatch(/No errors detected/);
    expect(names).toEqual(Array.from({ length: FILES }, (_, i) => key(i).slice('public/many/'.length)));
  });

  it('lets a client go away in the middle of a zip: no warning, and the next zip is whole', async () => {
    const t = get();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    // node:http's destroy closes the socket at once (an aborted fetch may keep it open a while).
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/storage/o/public/many/', headers: admin }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.once('error', reject);
    });
    // The server lets the connection go: nothing waits on the abandoned zip.
    await expect
      .poll(() => new Promise<number>((resolve) => t.app.server.getConnections((_e, n) => resolve(n))))
      .toBe(0);
    const again = await t.request({ url: '/storage/o/public/many/', headers: admin });
    expect(readZip(again.rawPayload).size).toBe(FILES);
    expect(t.logs.join('\n')).not.toContain('zip of a folder');
  });
});
