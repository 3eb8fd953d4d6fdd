// The limits, in their own process: what the machine does with no Gatehouse in the way.
// HTTP limits (a bare Fastify route, node:http serving a file or bytes) are servers the load
// generator hits; the others (argon2id, SQLite, PostgreSQL, sharp) are loops timed here.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hash, verify } from '@node-rs/argon2';
import Fastify from 'fastify';
import sharp from 'sharp';
import { serveJobs } from './child.js';
import { pgRotations, sqliteRotations } from './limits-db.js';

const PASSWORD = 'a sturdy passphrase 42';
const ARGON2 = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 }; // the server's defaults

/** Runs `op` from `concurrency` loops for `seconds`; operations per second. */
async function loops(seconds: number, concurrency: number, op: () => Promise<unknown>): Promise<number> {
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

let file = { path: '', size: 0 };
let bytes = { body: Buffer.alloc(0), type: 'application/octet-stream' };

async function listen(server: {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): unknown;
}): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function start() {
  const hello = Fastify();
  hello.get('/', async () => ({ hello: 'world' }));
  await hello.listen({ port: 0, host: '127.0.0.1' });
  const fileServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.size });
    createReadStream(file.path).pipe(res);
  });
  const bytesServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': bytes.type, 'content-length': bytes.body.length });
    res.end(bytes.body);
  });
  return {
    hello: `http://127.0.0.1:${(hello.server.address() as AddressInfo).port}/`,
    file: await listen(fileServer),
    bytes: await listen(bytesServer),
  };
}

const servers = start();

serveJobs(async (job) => {
  switch (job.kind) {
    case 'servers':
      return servers;
    case 'serve-file':
      file = { path: String(job.path), size: (await stat(String(job.path))).size };
      return null;
    case 'serve-bytes':
      bytes = { body: await readFile(String(job.path)), type: String(job.type) };
      return null;
    case 'argon2': {
      const stored = await hash(PASSWORD, ARGON2);
      return loops(Number(job.seconds), Number(job.concurrency), () => verify(stored, PASSWORD));
    }
    case 'sharp': {
      const photo = await readFile(String(job.path));
      // The widths (100…1100) and quality of the transform phase it is compared with.
      let width = 100;
      const quality = Number(job.quality);
      return loops(Number(job.seconds), Number(job.concurrency), () =>
        sharp(photo)
          .rotate()
          .resize({ width: (width = width >= 1100 ? 100 : width + 1), fit: 'inside' })
          .webp({ quality })
          .toBuffer(),
      );
    }
    case 'sqlite':
      return sqliteRotations(String(job.dir), Number(job.seconds));
    case 'pg':
      return pgRotations(String(job.url), Number(job.seconds), Number(job.concurrency));
    default:
      throw new Error(`unknown job ${String(job.kind)}`);
  }
});
