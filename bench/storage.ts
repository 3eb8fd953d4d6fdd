// Storage figures for npm run bench: each a ratio (or a level) measured in the same run.
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import autocannon from 'autocannon';
import sharp from 'sharp';
import type { BenchServer } from './server.js';

export const ADMIN_SECRET = 'bench-admin-secret-bench-admin-secret';
const admin = { 'x-admin-secret': ADMIN_SECRET };

async function upload(server: BenchServer, key: string, body: Buffer | Readable, type: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = request(`${server.url}/storage/o/${key}`, { method: 'POST', headers: { ...admin, 'content-type': type } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload ${key}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** Bytes per second of `streams` concurrent full reads of `file`, for `seconds`. */
async function rawReadThroughput(file: string, streams: number, seconds: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let bytes = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      while (Date.now() < end) for await (const chunk of createReadStream(file)) bytes += (chunk as Buffer).length;
    }),
  );
  return bytes / ((Date.now() - started) / 1000);
}

async function objectFiles(server: BenchServer): Promise<string[]> {
  const root = path.join(server.dataDir, 'storage', 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

export async function storageFigures(server: BenchServer, seconds: number): Promise<[string, string, string][]> {
  const rows: [string, string, string][] = [];

  // Download: the server streaming a 64 MiB file vs. this process reading the same file from disk.
  await upload(server, 'bench/big.bin', Buffer.alloc(64 * 1024 * 1024, 7), 'application/octet-stream');
  const [object] = await objectFiles(server);
  const served = await autocannon({ url: `${server.url}/storage/o/bench/big.bin`, connections: 2, duration: seconds, headers: admin });
  const raw = await rawReadThroughput(object!, 2, seconds);
  rows.push(['download throughput ÷ raw `fs.createReadStream`', `${(served.throughput.average / raw).toFixed(2)} (${(served.throughput.average / 2 ** 20).toFixed(0)} ÷ ${(raw / 2 ** 20).toFixed(0)} MiB/s)`, '≥ 0.8']);

  // Transforms: every request a new width (no cache hit) vs. sharp doing the same work in this process.
  const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 40, g: 120, b: 200 } } }).jpeg().toBuffer();
  await upload(server, 'bench/photo.jpg', photo, 'image/jpeg');
  let width = 100;
  const transforms = await autocannon({
    url: server.url,
    connections: 4,
    duration: seconds,
    headers: admin,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/storage/o/bench/photo.jpg?w=${(width = width >= 1100 ? 100 : width + 1)}&f=webp` }) }],
  });
  let w2 = 100;
  let ops = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < end) {
        await sharp(photo).rotate().resize({ width: (w2 = w2 >= 1100 ? 100 : w2 + 1), fit: 'inside' }).webp().toBuffer();
        ops++;
      }
    }),
  );
  const rawOps = ops / seconds;
  rows.push(['transform req/s ÷ raw sharp ops/s (resize + WebP)', `${(transforms.requests.average / rawOps).toFixed(2)} (${transforms.requests.average.toFixed(0)} ÷ ${rawOps.toFixed(0)})`, '≥ 0.9']);

  const cached = await autocannon({ url: `${server.url}/storage/o/bench/photo.jpg?w=300&f=webp`, connections: 16, duration: seconds, headers: admin });
  rows.push(['cached-variant req/s', cached.requests.average.toFixed(0), '≥ 5,000']);

  // Memory: a 1 GiB upload, streamed; the server's RSS is sampled throughout.
  const baseline = await rssKiB(server.pid);
  let peak = baseline;
  const sampler = setInterval(() => void rssKiB(server.pid).then((v) => (peak = Math.max(peak, v)), () => undefined), 50);
  const chunk = Buffer.alloc(1024 * 1024, 3);
  await upload(server, 'bench/huge.bin', Readable.from((function* () { for (let i = 0; i < 1024; i++) yield chunk; })()), 'application/octet-stream');
  clearInterval(sampler);
  rows.push(['extra RSS while uploading 1 GiB', `${((peak - baseline) / 1024).toFixed(1)} MiB`, '≤ 64 MiB']);
  return rows;
}
