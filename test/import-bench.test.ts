import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchImport, writeUsers } from '../bench/import.js';
import { DATABASES } from './helpers/app.js';

/** The import bench (npm run bench:import) at a small N: it writes its users, imports them all and reports. */
describe('bench/import.ts', () => {
  const N = 1_200;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-bench-test-'));
    file = path.join(dir, 'users.jsonl');
    await writeUsers(file, N);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(DATABASES)(
    'imports every generated user, their TOTP seeds and refresh tokens on %s',
    async (db) => {
      const r = await benchImport(file, db);
      expect(r.summary.counts).toMatchObject({ read: N, created: N, conflicts: 0, sessions: N / 5, tokens: N / 5 });
      expect(r.peakHeapMiB).toBeGreaterThan(0);
    },
    120_000,
  );
});
