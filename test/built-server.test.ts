import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIR } from '../src/http/console.js';
import { DATABASES } from './helpers/app.js';
import { buildCliOnce } from './helpers/cli.js';
import { createTestDatabase } from './helpers/postgres.js';
import { startServer } from './helpers/server-process.js';

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const PACKAGE = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8'));

// The built server is esbuild's bundle: dist/main.js, and chunks in dist/chunks/ one folder deeper.
beforeAll(() => buildCliOnce(), 600_000);

describe.each(DATABASES)('the built server on %s', { timeout: 90_000 }, (db) => {
  it('finds its install folder from any chunk: its version and the console (bug: a fixed ../.. led into dist/)', async () => {
    const indexHtml = path.join(CONSOLE_DIR, 'index.html');
    const html = readFileSync(indexHtml, 'utf8'); // npm test builds the console first
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-built-'));
    const pg = db === 'postgres' ? await createTestDatabase() : undefined;
    const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: pg?.url, ADMIN_SECRET });
    try {
      const version = await fetch(`${server.url}/version`);
      expect(await version.json()).toEqual({ name: 'gatehouse', version: PACKAGE.version });
      const page = await fetch(`${server.url}/console/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(html);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
