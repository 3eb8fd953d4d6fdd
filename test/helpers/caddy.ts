import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForPort } from './nginx.js';

export const CADDY = '/usr/bin/caddy';
/** Debian's caddy package (bookworm) is installed by .ci/run; without it the Caddy suite is skipped. */
export const hasCaddy = existsSync(CADDY);

/** Debian's Caddy on a loopback port with this Caddyfile site block (no admin API, no HTTPS); `stop()` ends it. */
export async function startCaddy(port: number, site: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-caddy-'));
  const file = path.join(dir, 'Caddyfile');
  await writeFile(file, `{\n  admin off\n  auto_https off\n}\n${site}\n`);
  // Caddy keeps its state under HOME / XDG folders: the temporary folder, not the user's.
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  const child = spawn(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], { stdio: 'ignore', env });
  await waitForPort(port, child, 'caddy');
  return {
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
