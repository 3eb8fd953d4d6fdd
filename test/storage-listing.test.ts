import { rm } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { prefixUpperBound } from '../src/storage/key-range.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { readZip } from './helpers/zip.js';

const ADMIN_SECRET = 'a'.repeat(40);
const admin = { 'x-admin-secret': ADMIN_SECRET };
/** More than one page of the zip's row reader (500) and of the listings below. */
const FOLDER_SIZE = 2_500;

const put = (t: TestApp, key: string, body: string) =>
  t.request({
    method: 'POST',
    url: `/storage/o/${key.split('/').map(encodeURIComponent).join('/')}`,
    payload: body,
    headers: { 'content-type': 'text/plain', ...admin },
  });

/** Uploads through the public route, a few at a time (about 1 ms each: the whole folder takes seconds). */
async function fill(t: TestApp, keys: string[]) {
  for (let i = 0; i < keys.length; i += 25)
    await Promise.all(
      keys.slice(i, i + 25).map(async (key) => {
        const res = await put(t, key, `content of ${key}`);
        if (res.statusCode !== 200) throw new Error(`${key}: ${res.statusCode} ${res.body}`);
      }),
    );
}

const listPage = (t: TestApp, folder: string, query: string) =>
  t.request({ url: `/storage/m/${folder}/${query}`, headers: admin });

const keysOf = (res: { json(): unknown }) => (res.json() as { key: string }[]).map((m) => m.key);

describe.each(DATABASES)('folder listings and zips at any size (%s)', (db) => {
  const get = useTestApp(db, () => ({ ADMIN_SECRET }));
  const folder = 'public/big';
  const names = Array.from({ length: FOLDER_SIZE }, (_, i) => `${folder}/${String(i).padStart(5, '0')}.txt`);

  // Uploading 2,500 files through HTTP takes a while on a loaded 2-core machine: a bound, not a speed check.
  it('lists a folder of 2,500 files completely across pages, with no duplicates or gaps, while files are added', {
    timeout: 120_000,
  }, async () => {
    const t = get();
    await fill(t, names);
    // Neighbours a `like` or a wrong bound would mix in: '0' follows '/', and a longer name shares the prefix.
    await fill(t, ['public/big0/x.txt', 'public/big.txt', 'public/bigger/y.txt', 'public/bi']);
    const seen: string[] = [];
    let query = '?limit=400';
    let pages = 0;
    for (;;) {
      const res = await listPage(t, folder, query);
      expect(res.statusCode).toBe(200);
      seen.push(...keysOf(res));
      pages++;
      if (pages === 2) {
        // Added while paging: ahead of the cursor (seen), behind it (not, and nothing repeats).
        await fill(t, [`${folder}/99999-late.txt`, `${folder}/00000-early.txt`]);
      }
      if (res.headers['x-truncated'] === 'false') {
        expect(res.headers['x-next-marker']).toBeUndefined();
        break;
      }
      expect(res.headers['x-truncated']).toBe('true');
      expect(res.headers.link).toBe(
        `</storage/m/${folder}/?limit=400&marker=${res.headers['x-next-marker']}>; rel="next"`,
      );
      query = `?limit=400&marker=${res.headers['x-next-marker']}`;
    }
    expect(pages).toBe(Math.ceil((FOLDER_SIZE + 1) / 400));
    expect(seen).toEqual([...names, `${folder}/99999-late.txt`]);
    expect(new Set(seen).size).toBe(seen.length);
    // Without a limit a folder this size still comes whole, as one array (the HBP shape).
    const whole = await listPage(t, folder, '');
    expect(whole.headers['x-truncated']).toBe('false');
    expect(keysOf(whole)).toEqual([`${folder}/00000-early.txt`, ...names, `${folder}/99999-late.txt`]);
  });

  it('zips a folder of 2,500 files with every file in it, each whole', async () => {
    const t = get();
    const res = await t.request({ url: `/storage/o/${folder}/`, headers: admin });
    expect(res.statusCode).toBe(200);
    const entries = readZip(res.rawPayload);
    const expected = [`${folder}/00000-early.txt`, ...names, `${folder}/99999-late.txt`];
    expect([...entries.keys()].sort()).toEqual(expected.map((k) => k.slice(folder.length + 1)).sort());
    for (const key of expected) expect(entries.get(key.slice(folder.length + 1))?.toString()).toBe(`content of ${key}`);
  });

  it('says a page is truncated, and never cuts one silently: the last page says it is the last', async () => {
    const t = get();
    const first = await listPage(t, folder, '?limit=1000');
    expect(keysOf(first)).toHaveLength(1000);
    expect(first.headers['x-truncated']).toBe('true');
    expect(first.headers['x-next-marker']).toBe(encodeURIComponent(keysOf(first)[999]!));
    const exact = await listPage(t, 'public', '?limit=10000');
    expect(exact.headers['x-truncated']).toBe('false');
  });

  it('refuses a marker outside the folder or malformed, and a limit out of bounds, with a 400', async () => {
    const t = get();
    const bad = [
      '?marker=public/other/x.txt',
      '?marker=public/bigger/y.txt',
      `?marker=${encodeURIComponent(`${folder}/`)}`,
      `?marker=${encodeURIComponent(`${folder}/a\u0000b`)}`,
      `?marker=${encodeURIComponent(`${folder}/${'x'.repeat(2000)}`)}`,
      `?marker=${'y'.repeat(5000)}`,
      '?marker=a&marker=b',
      '?marker=%E0%A4%A',
      '?limit=0',
      '?limit=10001',
      '?limit=-1',
      '?limit=1.5',
      '?limit=abc',
      '?limit=1&limit=2',
    ];
    for (const query of bad) {
      const res = await listPage(t, folder, query);
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
    }
    // A marker need not name a file that exists: the page starts after it.
    const after = await listPage(t, folder, `?limit=2&marker=${encodeURIComponent(`${folder}/01000`)}`);
    expect(keysOf(after)).toEqual([`${folder}/01000.txt`, `${folder}/01001.txt`]);
  });

  it('pages through keys outside ASCII: the marker travels percent-encoded', async () => {
    const t = get();
    const keys = ['public/intl/日本/a.txt', 'public/intl/é.txt', 'public/intl/😀.txt', 'public/intl/\uffff.txt'];
    await fill(t, keys);
    const seen: string[] = [];
    let query = '?limit=1';
    for (let i = 0; i < 10; i++) {
      const res = await listPage(t, 'public/intl', query);
      expect(res.statusCode).toBe(200);
      seen.push(...keysOf(res));
      if (res.headers['x-truncated'] === 'false') break;
      query = `?limit=1&marker=${res.headers['x-next-marker']}`;
    }
    // Code-point order (UTF-8 byte order) on both databases: U+FFFF sorts before an emoji.
    expect(seen).toEqual([
      'public/intl/é.txt',
      'public/intl/日本/a.txt',
      'public/intl/\uffff.txt',
      'public/intl/😀.txt',
    ]);
  });

  it('leaves a file whose object vanished out of the zip, and zips the rest', async () => {
    const t = get();
    await fill(t, ['public/gone/a.txt', 'public/gone/b.txt', 'public/gone/c.txt']);
    const row = await t.app.services.queries.files.get('public/gone/b.txt');
    await rm(path.join(t.config.dataDir, 'storage', ...row!.objectKey.split('/')));
    const res = await t.request({ url: '/storage/o/public/gone/', headers: admin });
    expect(res.statusCode).toBe(200);
    expect([...readZip(res.rawPayload).keys()]).toEqual(['a.txt', 'c.txt']);
    expect(t.logs.join('\n')).toContain('public/gone/b.txt');
  });

  it('range-scans the key prefix through an index (EXPLAIN), never the whole files table', async () => {
    const t = get();
    const { kysely } = t.app.services.db;
    const q = t.app.services.queries.files.rangeQuery(`${folder}/`, prefixUpperBound(`${folder}/`));
    if (db === 'postgres') {
      const plan = await kysely.transaction().execute(async (trx) => {
        // The test table is small enough for a scan of the table (or a bitmap, then a sort) to win on cost;
        // the question is whether an index serves both the range and the order, as it does on a large table.
        await sql`set local enable_seqscan = off`.execute(trx);
        await sql`set local enable_bitmapscan = off`.execute(trx);
        const rows = await trx.executeQuery<{ 'QUERY PLAN': string }>({ ...q, sql: `explain ${q.sql}` });
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).toMatch(/Index Scan using files_key_c/);
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    } else {
      const rows = await kysely.executeQuery<{ detail: string }>({ ...q, sql: `explain query plan ${q.sql}` });
      const plan = rows.rows.map((r) => r.detail).join('\n');
      expect(plan).toMatch(/SEARCH files USING INDEX \S+ \(key>\? AND key<\?\)/);
      expect(plan).not.toMatch(/SCAN files|TEMP B-TREE/);
    }
  });
});

describe('prefixUpperBound', () => {
  it('is the next string in code-point order past every string with the prefix', () => {
    expect(prefixUpperBound('a/')).toBe('a0');
    expect(prefixUpperBound('a\ud7ff')).toBe('a\ue000');
    expect(prefixUpperBound('a\u{10ffff}')).toBe('b');
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined();
    expect(prefixUpperBound('x😀')).toBe('x😁');
  });
});
