import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchServer {
  url: string;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts the built server (dist/) in a child process on 127.0.0.1, as in production. */
export async function startServer(
  env: Record<string, string | undefined>,
  opts: { profileDir?: string; nodeFlags?: string[]; stdout?: 'ignore' | 'inherit' } = {},
): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-bench-'));
  // --cpu-prof writes a profile when the server exits on SIGTERM (its handler closes and exits normally).
  const profile = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, ...(opts.nodeFlags ?? []), 'bin/gatehouse.js', 'serve'],
    {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        RATE_LIMIT_ENABLED: 'false',
        ...env,
      },
      stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a busy machine, start-up (migrations included) can take many seconds.
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 204,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error('server exited during start');
    if (i === 600) throw new Error(`server did not answer /health within a minute`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
