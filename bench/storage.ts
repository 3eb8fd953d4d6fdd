// Storage set-up for npm run bench: the objects the download, transform and cached-variant
// phases read, and the upload-RSS figure.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { BenchServer } from './server.js';

export const ADMIN_SECRET = 'bench-admin-secret-bench-admin-secret';
export const admin = { 'x-admin-secret': ADMIN_SECRET };
export const BIG = '/storage/o/bench/big.bin';
export const PHOTO = '/storage/o/bench/photo.jpg';
export const CACHED = `${PHOTO}?w=300&f=webp`;

async function upload(server: BenchServer, key: string, body: Buffer | Readable, type: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = request(
      `${server.url}/storage/o/${key}`,
      { method: 'POST', headers: { ...admin, 'content-type': type } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`upload ${key}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

async function objectFiles(server: BenchServer): Promise<string[]> {
  const root = path.join(server.dataDir, 'storage', 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Uploads the 64 MiB object and the photo; returns the files the limit servers serve and sharp reads. */
export async function prepareStorage(
  server: BenchServer,
): Promise<{ bigFile: string; photoFile: string; variantFile: string }> {
  await upload(server, 'bench/big.bin', Buffer.alloc(64 * 1024 * 1024, 7), 'application/octet-stream');
  const [bigFile] = await objectFiles(server);
  const dir = path.join(server.dataDir, 'bench-limits'); // removed with the server's data
  await mkdir(dir);
  const photo = await sharp({
    create: { width: 1200, height: 800, channels: 3, background: { r: 40, g: 120, b: 200 } },
  })
    .jpeg()
    .toBuffer();
  await upload(server, 'bench/photo.jpg', photo, 'image/jpeg');
  const photoFile = path.join(dir, 'photo.jpg');
  await writeFile(photoFile, photo);
  // The first request makes the cached variant; its bytes are what node:http serves beside it.
  const variant = await fetch(`${server.url}${CACHED}`, { headers: admin });
  if (!variant.ok) throw new Error(`variant: ${variant.status}`);
  const variantFile = path.join(dir, 'variant.webp');
  await writeFile(variantFile, Buffer.from(await variant.arrayBuffer()));
  return { bigFile: bigFile!, photoFile, variantFile };
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Extra resident memory of the server while it receives a 1 GiB upload, in MiB. */
export async function uploadRss(server: BenchServer): Promise<number> {
  const baseline = await rssKiB(server.pid);
  let peak = baseline;
  const sampler = setInterval(
    () =>
      void rssKiB(server.pid).then(
        (v) => (peak = Math.max(peak, v)),
        () => undefined,
      ),
    50,
  );
  const chunk = Buffer.alloc(1024 * 1024, 3);
  await upload(
    server,
    'bench/huge.bin',
    Readable.from(
      (function* () {
        for (let i = 0; i < 1024; i++) yield chunk;
      })(),
    ),
    'application/octet-stream',
  );
  clearInterval(sampler);
  return (peak - baseline) / 1024;
}
