import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DATABASES, type DatabaseKind } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';
import { useS3 } from './helpers/s3.js';
import { buildCliOnce } from './helpers/cli.js';
import { spawnGatehouse, startServer, type ServerProcess } from './helpers/server-process.js';

const ADMIN_SECRET = 'an admin secret of at least 32 characters';
// For the sweeps below: anything older than 1 s is past every bound (defaults: 1 h + 15 min).
const SHORT_BOUNDS = { STORAGE_UPLOAD_TIMEOUT: '1', STORAGE_ORPHAN_GRACE: '0' };
// Each test starts the real server (or CLI) two or three times as child processes.
const SLOW = { timeout: 120_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts an upload as an admin; `body` is sent whole unless `partial`, then only its first half. */
function startUpload(
  server: ServerProcess,
  key: string,
  body: Buffer,
  partial = false,
): { answer: Promise<{ status: number; body: string; connection?: string }>; request: http.ClientRequest } {
  let request!: http.ClientRequest;
  const answer = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
    request = http.request(
      `${server.url}/storage/o/${key}`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'x-admin-secret': ADMIN_SECRET,
          'content-type': 'application/octet-stream',
          'content-length': body.length,
        },
      },
      (res) => {
        let text = '';
        res
          .on('data', (d) => (text += d))
          .on('end', () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
      },
    );
    request.on('error', reject);
    if (partial) request.write(body.subarray(0, body.length / 2));
    else request.end(body);
  });
  return { answer, request };
}

async function download(server: ServerProcess, key: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${server.url}/storage/o/${key}`, { headers: { 'x-admin-secret': ADMIN_SECRET } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Holds the metadata commit from outside, as a slow or stuck database would: reads go on, writes to `files` wait. */
async function lockFiles(db: DatabaseKind, env: Record<string, string | undefined>): Promise<() => Promise<void>> {
  if (db === 'postgres') {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    await client.query('begin');
    await client.query('lock table files in exclusive mode');
    return async () => {
      await client.query('rollback');
      await client.end();
    };
  }
  const other = new SqliteDatabase(path.join(env.DATA_DIR!, 'gatehouse.db'));
  other.exec('BEGIN IMMEDIATE');
  return async () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const s3 = useS3();

/** The suites share one bucket: each test starts from an empty one (a sweep would rightly remove another database's objects). */
async function emptyBucket() {
  const { env } = s3();
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! },
  });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: env.S3_BUCKET }));
  const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
  if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: env.S3_BUCKET, Delete: { Objects: keys } }));
  client.destroy();
}

// The servers and CLI runs below are the built binary (one build per run, skipped when fresh).
beforeAll(() => buildCliOnce(), 600_000);

describe.each(DATABASES)('storage after a crash on %s', (db) => {
  let env: Record<string, string | undefined>;
  let dataDir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-crash-'));
    const database =
      db === 'postgres'
        ? await createTestDatabase({ template: inject('postgresTemplate'), durable: false })
        : undefined;
    env = {
      DATA_DIR: dataDir,
      DATABASE_URL: database?.url,
      ADMIN_SECRET,
      STORAGE_SWEEP_INTERVAL: '0',
      LOG_LEVEL: 'info',
    };
    cleanup = async () => {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  describe.each(['disk', 's3'] as const)('on %s', (backend) => {
    const objects = async () =>
      backend === 's3'
        ? (await s3().objects()).filter((k) => k.startsWith('objects/'))
        : await filesUnder(path.join(dataDir, 'storage', 'objects'));

    it(
      '`gatehouse storage gc` removes the object of an upload killed before its metadata commit, and keeps every published file',
      SLOW,
      async () => {
        if (backend === 's3') await emptyBucket();
        const run = {
          ...env,
          ...(backend === 's3' ? s3().env : {}),
          DATABASE_STATEMENT_TIMEOUT_MS: '600000',
          DATABASE_ACQUIRE_TIMEOUT_MS: '600000',
        };
        const server = await startServer(run);
        const a = randomBytes(100_000);
        const b2 = randomBytes(70_000);
        expect((await startUpload(server, 'public/a.bin', a).answer).status).toBe(200);
        expect((await startUpload(server, 'public/b.bin', randomBytes(50_000)).answer).status).toBe(200);
        expect((await startUpload(server, 'public/b.bin', b2).answer).status).toBe(200); // a new version of b
        expect(await objects()).toHaveLength(2);

        // The third upload's object gets written, but its metadata commit waits on the lock: kill -9 there.
        const unlock = await lockFiles(db, run);
        try {
          startUpload(server, 'public/c.bin', randomBytes(60_000)).answer.catch(() => undefined);
          while ((await objects()).length < 3) await sleep(20);
          server.child.kill('SIGKILL');
          expect((await server.exited).signal).toBe('SIGKILL');
        } finally {
          await unlock();
        }
        expect(await objects()).toHaveLength(3);

        // The restarted server that serves the downloads below starts while the orphan ages past the bounds and the
        // gc runs (a sweep is safe beside running instances: docs/operations.md); it does not sweep itself.
        const restarting = startServer(run);
        try {
          await sleep(1200);
          const gc = spawnGatehouse(['storage', 'gc', '--format', 'json'], {
            ...run,
            ...SHORT_BOUNDS,
            LOG_LEVEL: 'silent',
          });
          expect((await gc.exited).code, gc.output()).toBe(0);
          // The output mixes stdout with stderr, where the CLI names its DATA_DIR: the report is the JSON line.
          expect(
            JSON.parse(
              gc
                .output()
                .split('\n')
                .find((line) => line.startsWith('{'))!,
            ),
          ).toEqual({
            partialUploads: backend === 's3' ? null : 0,
            orphansRemoved: 1,
            missing: [],
            objects: 2,
            files: 2,
          });
          expect(await objects()).toHaveLength(2);

          const again = await restarting;
          expect(await download(again, 'public/a.bin')).toEqual({ status: 200, body: a });
          expect(await download(again, 'public/b.bin')).toEqual({ status: 200, body: b2 });
          expect((await download(again, 'public/c.bin')).status).toBe(404);
        } finally {
          const again = await restarting.catch(() => undefined);
          again?.child.kill('SIGTERM');
          await again?.exited;
        }
      },
    );
  });

  it(
    'the sweep at start removes a partial upload left by kill -9 and reports a file whose object is gone',
    SLOW,
    async () => {
      const server = await startServer(env);
      expect((await startUpload(server, 'public/a.bin', randomBytes(10_000)).answer).status).toBe(200);
      expect((await startUpload(server, 'public/kept.bin', randomBytes(10_000)).answer).status).toBe(200);
      startUpload(server, 'public/partial.bin', randomBytes(1_000_000), true).answer.catch(() => undefined);
      const tmp = path.join(dataDir, 'storage', '.tmp');
      while (!existsSync(tmp) || (await readdir(tmp)).length === 0) await sleep(20);
      server.child.kill('SIGKILL');
      await server.exited;
      // An operator (or a bad restore) deleted one object behind the server's back.
      const [first] = await filesUnder(path.join(dataDir, 'storage', 'objects'));
      await rm(first!);
      // The crash was a while ago: the partial upload is past STORAGE_UPLOAD_TIMEOUT (1 s) when the server restarts.
      const past = new Date(Date.now() - 10_000);
      for (const file of await filesUnder(tmp)) await utimes(file, past, past);

      const again = await startServer({ ...env, ...SHORT_BOUNDS, STORAGE_SWEEP_INTERVAL: '60' });
      try {
        expect(await again.waitFor(/storage sweep:/)).toContain(
          'storage sweep: 1 partial upload(s) removed, 0 orphaned object(s) removed; 2 file(s), 1 object(s), 1 file(s) missing their object',
        );
        expect(await again.waitFor(/point to an object that is gone/)).toMatch(/"files":\["public\/(a|kept)\.bin"\]/);
        expect(await readdir(tmp)).toEqual([]);

        // STORAGE_UPLOAD_TIMEOUT bounds every upload, which is what lets the sweep tell a partial upload from a slow one.
        const slow = await startUpload(again, 'public/slow.bin', randomBytes(100_000), true).answer;
        expect(slow.status).toBe(408);
        expect(JSON.parse(slow.body)).toMatchObject({ statusCode: 408, code: 'upload-timeout' });
        expect(slow.connection).toBe('close');
        expect(await readdir(tmp)).toEqual([]);
      } finally {
        again.child.kill('SIGTERM');
        await again.exited;
      }
    },
  );
});
