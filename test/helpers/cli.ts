import { spawn, spawnSync } from 'node:child_process';
import { mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';

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

/** Runs the built CLI in a child process, as an operator would (no TypeScript loader per call). */
export function cli(
  args: string[],
  env: Record<string, string | undefined>,
  stdin = '',
  cwd = ROOT,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
