import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';
import { buildCliOnce } from './helpers/cli.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';

const ADMIN_SECRET = 'an admin secret of at least 32 characters';

/** Uploads `body` as an admin and resolves with the status. */
function upload(server: ServerProcess, key: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/storage/o/${key}`,
      {
        method: 'POST',
        headers: {
          'x-admin-secret': ADMIN_SECRET,
          'content-type': 'application/octet-stream',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts a download and stops reading after its headers: the server is left writing into a full socket. */
function stalledDownload(server: ServerProcess, key: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${server.url}/storage/o/${key}`,
      { headers: { 'x-admin-secret': ADMIN_SECRET }, agent: false },
      (res) => {
        res.on('error', () => undefined);
        resolve(res);
      },
    );
    req.on('error', () => undefined);
    setTimeout(() => reject(new Error('no response headers')), 10_000).unref();
  });
}

// The servers and CLI runs below are the built binary (one build per run, skipped when fresh).
beforeAll(() => buildCliOnce(), 600_000);

/** Opens a connection and sends the first header lines of a GET: the request has begun, so the connection is not idle. */
function begunRequest(
  server: ServerProcess,
  url: string,
): { finish(): Promise<{ status: number; headers: string; body: string }> } {
  const socket = net.connect(server.port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(`GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  return {
    async finish() {
      socket.write('\r\n');
      await ended;
      const [head = '', body = ''] = received.split('\r\n\r\n');
      return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body };
    },
  };
}

// Each test starts the real server as a child process, which is slow on a busy machine.
describe.each(DATABASES)('stopping the server on %s', { timeout: 90_000 }, (db) => {
  let env: Record<string, string | undefined>;
  let cleanup: () => Promise<void>;
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-stop-'));
    const pg =
      db === 'postgres'
        ? await createTestDatabase({ template: inject('postgresTemplate'), durable: false })
        : undefined;
    env = { DATA_DIR: dataDir, DATABASE_URL: pg?.url, ADMIN_SECRET, STORAGE_SWEEP_INTERVAL: '0' };
    cleanup = async () => {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  it('writes the line of every request it answered, batched in chunks, before it exits', async () => {
    const server = await startServer(env);
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fetch(`${server.url}/version?n=${i}`).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; url?: string; status?: number });
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => l.url).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `/version?n=${i}`).sort());
    expect(requests.every((l) => l.status === 200)).toBe(true);
  });

  it('closes idle keep-alive connections at once, exits 0 and says so in a final log line', async () => {
    const server = await startServer({ ...env, SHUTDOWN_TIMEOUT: '60' });
    const agent = new http.Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve) =>
      http.get(`${server.url}/version`, { agent }, (res) => res.resume().on('end', () => resolve(res.statusCode!))),
    );
    expect(status).toBe(200);
    // The agent now holds an idle keep-alive socket; before the fix it held the stop up for 72 s.
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/SIGTERM: shutting down \(at most 60 s\)/);
    // The final line, by time: log lines are written asynchronously, so not always last in the pipe.
    const lines = server
      .output()
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { time: number; msg: string });
    const last = lines.reduce((a, b) => (b.time >= a.time ? b : a));
    expect(last.msg, server.output()).toMatch(/^Gatehouse stopped after \d+ ms: every request answered$/);
    agent.destroy();
  });

  it('finishes an upload in flight, answering it with Connection: close, then exits 0', async () => {
    const server = await startServer({ ...env, SHUTDOWN_TIMEOUT: '60' });
    const body = randomBytes(256 * 1024);
    // A keep-alive client: without the stop, the server would keep its socket open.
    const agent = new http.Agent({ keepAlive: true });
    const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        `${server.url}/storage/o/public/in-flight.bin`,
        {
          method: 'POST',
          agent,
          headers: {
            'x-admin-secret': ADMIN_SECRET,
            'content-type': 'application/octet-stream',
            'content-length': body.length,
          },
        },
        resolve,
      );
      req.on('error', reject);
      req.write(body.subarray(0, 1000));
      // Once the stop has begun, send the rest.
      void server.waitFor(/shutting down/).then(() => req.end(body.subarray(1000)));
    });
    // The upload is being written once its temporary file exists.
    const tmp = path.join(dataDir, 'storage', '.tmp');
    while (!existsSync(tmp) || (await readdir(tmp)).length === 0) await new Promise((r) => setTimeout(r, 20));
    server.child.kill('SIGTERM');
    const res = await answered;
    res.resume();
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/every request answered/);
    agent.destroy();
  });

  it('cuts a download still running at SHUTDOWN_TIMEOUT and exits 0 within it', async () => {
    const server = await startServer({ ...env, SHUTDOWN_TIMEOUT: '1' });
    expect(await upload(server, 'public/big.bin', randomBytes(32 * 1024 * 1024))).toBe(200);
    const download = await stalledDownload(server, 'public/big.bin');
    expect(download.statusCode).toBe(200);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // SHUTDOWN_TIMEOUT is 1 s; the margin is for a loaded machine (without a deadline it never exits).
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(server.output()).toMatch(
      /Gatehouse stopped after \d+ ms: SHUTDOWN_TIMEOUT of 1 s reached, unfinished requests cut/,
    );
  });

  // Regression (issue 10): Fastify's own refusal while closing had no `code` and ignored the dialects' envelopes.
  it('refuses a request that arrives while stopping with 503 server-closing, in the route’s own envelope', async () => {
    const server = await startServer({ ...env, SHUTDOWN_TIMEOUT: '60' });
    const native = begunRequest(server, '/version');
    const rocketchat = begunRequest(server, '/api/v1/me');
    // The server has read the first lines of both requests once it answers another.
    await new Promise<void>((resolve) =>
      http.get(`${server.url}/version`, { agent: false }, (res) => res.resume().on('end', resolve)),
    );
    server.child.kill('SIGTERM');
    await server.waitFor(/shutting down/);
    const refused = await native.finish();
    expect([refused.status, JSON.parse(refused.body)]).toEqual([
      503,
      {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The server is shutting down, try again',
        code: 'server-closing',
      },
    ]);
    expect(refused.headers).toMatch(/\r\nretry-after: 1\r\n/);
    expect(refused.headers).toMatch(/\r\nconnection: close\r\n/);
    const inItsEnvelope = await rocketchat.finish();
    expect([inItsEnvelope.status, JSON.parse(inItsEnvelope.body)]).toEqual([
      503,
      { success: false, error: 'The server is shutting down, try again' },
    ]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('exits at once on a second signal', async () => {
    const server = await startServer({ ...env, SHUTDOWN_TIMEOUT: '600' });
    expect(await upload(server, 'public/big.bin', randomBytes(32 * 1024 * 1024))).toBe(200);
    await stalledDownload(server, 'public/big.bin');
    server.child.kill('SIGTERM');
    await server.waitFor(/shutting down/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 143, signal: null });
    expect(server.output()).toMatch(/SIGTERM again: exiting at once/);
  });
});
