import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error -- s3rver ships no types; only run() and close() are used.
import S3rver from 's3rver';
import { afterAll, beforeAll } from 'vitest';

const BUCKET = 'gatehouse-test';

/** A real S3 API (s3rver) on 127.0.0.1, storing objects in a temporary folder. */
export function useS3(): () => { env: Record<string, string>; objects(): Promise<string[]> } {
  let dir = '';
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> } | undefined;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-s3-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server!.run();
    env = {
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_REGION: 'us-east-1',
    };
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });
  return () => ({
    env,
    /** Keys of the objects in the bucket, as s3rver stores them on disk. */
    async objects() {
      const root = path.join(dir, BUCKET);
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile() && e.name.endsWith('._S3rver_object'))
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).replace(/\._S3rver_object$/, ''));
    },
  });
}
