import { spawn, spawnSync } from 'node:child_process';
import { mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { run } from '../../src/main.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** The built CLI: suites that run it call buildCliOnce() in beforeAll. */
export const BIN = path.join(ROOT, 'bin/gatehouse.js');
const LOCK = path.join(ROOT, 'dist.build-lock');

/**
 * Builds dist/ once for all CLI suites (skipped when it is newer than every source). Suites run in
 * parallel, so a lock folder makes the others wait instead of running tsc over the same files.
 */
export async function buildCliOnce(): Promise<void> {
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  } finally {
    await rmdir(LOCK);
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI's real entry (run() of src/main.ts) inside this process with the given environment and standard
 * input, and collects what it writes: the same command line, configuration and output as `gatehouse …`, without
 * a Node start and a server load per call. What only a process shows (exit status, a real stdin pipe, the
 * working folder, --version) stays with cliProcess().
 */
export async function cli(args: string[], env: Record<string, string | undefined>, stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const collect = (add: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        add(chunk.toString());
        done();
      },
    });
  const code = await run(['node', BIN, ...args], {
    env: { ...env },
    stdin: Readable.from(stdin ? [Buffer.from(stdin)] : []),
    stdout: collect((t) => (stdout += t)),
    stderr: collect((t) => (stderr += t)),
  });
  return { code, stdout, stderr };
}

/** Runs the built CLI in a child process, as an operator would (no TypeScript loader per call). */
export function cliProcess(
  args: string[],
  env: Record<string, string | undefined>,
  stdin = '',
  cwd = ROOT,
  /** Called every 50 ms with the child's pid while it runs (to read its /proc entries). */
  watch?: (pid: number) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, cwd });
    const watcher = watch && child.pid ? setInterval(() => watch(child.pid!), 50) : undefined;
    child.on('close', () => clearInterval(watcher));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
