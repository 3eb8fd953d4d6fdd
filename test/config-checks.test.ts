import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { checkWrittenPaths } from '../src/config/paths-check.js';
import { editDistance } from '../src/config/unknown-vars.js';
import { BIN, buildCliOnce, cli, cliProcess } from './helpers/cli.js';
import { spawn } from 'node:child_process';

const FAST = { ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1' };
const SLOW = { timeout: 120_000 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-config-checks-'));
  await chmod(dir, 0o755); // nobody, who runs the servers below, must reach the folders inside
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('variables that look like settings', () => {
  it('measures edit distance', () => {
    expect(editDistance('SMTP_HOSTT', 'SMTP_HOST')).toBe(1);
    expect(editDistance('JWT_EXPIRE_IN', 'JWT_EXPIRES_IN')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'abcdef', 1)).toBe(2);
  });

  it('warns about a misspelt variable (bug: SMTP_HOSTT was silently ignored) and suggests the setting', () => {
    const config = loadConfig({ DATA_DIR: dir, SMTP_HOSTT: 'mail.example.com', JWT_EXPIRE_IN: '5', DATA_DIRR: '/x' });
    expect(config.operators.warnings).toEqual([
      'DATA_DIRR is not a Gatehouse setting; did you mean DATA_DIR?',
      'JWT_EXPIRE_IN is not a Gatehouse setting; did you mean JWT_EXPIRES_IN?',
      'SMTP_HOSTT is not a Gatehouse setting; did you mean SMTP_HOST?',
    ]);
  });

  it("names a variable with one of Gatehouse's prefixes even when no setting is close", () => {
    const config = loadConfig({ DATA_DIR: dir, STORAGE_BACKEND_KIND: 's3' });
    expect(config.operators.warnings).toEqual([
      'STORAGE_BACKEND_KIND is not a Gatehouse setting (see docs/configuration.md for the STORAGE_ settings)',
    ]);
  });

  it("leaves alone the shell's and other programs' variables, settings and their aliases", () => {
    const config = loadConfig({
      DATA_DIR: dir,
      HOME: '/root',
      PATH: '/usr/bin',
      HOSTNAME: 'box',
      SHELL: '/bin/sh',
      NODE_ENV: 'production',
      NODE_OPTIONS: '--max-old-space-size=512',
      LANG: 'C.UTF-8',
      TERM: 'xterm',
      DISPLAY: ':0',
      PWD: '/',
      MAGIC_LINK_ENABLE: 'true',
      npm_config_cache: '/tmp',
    });
    expect(config.operators.warnings).toEqual([]);
  });

  it('refuses them with STRICT_CONFIG=true', () => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dir, STRICT_CONFIG: 'true', SMTP_HOSTT: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'SMTP_HOSTT is not a Gatehouse setting; did you mean SMTP_HOST? (STRICT_CONFIG=true refuses it)',
    ]);
  });

  it('says so on stderr for every CLI call, and STRICT_CONFIG makes the call fail', async () => {
    const env = { DATA_DIR: path.join(dir, 'cli'), ...FAST, SMTP_HOSTT: 'x' };
    const warned = await cli(['users', 'list'], env);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain(
      'gatehouse: warning: SMTP_HOSTT is not a Gatehouse setting; did you mean SMTP_HOST?',
    );
    const strict = await cli(['users', 'list'], { ...env, STRICT_CONFIG: 'true' });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('SMTP_HOSTT is not a Gatehouse setting');
  });

  it('needs GATEHOUSE_ADMIN_EMAIL and GATEHOUSE_ADMIN_PASSWORD_FILE together', () => {
    expect(() => loadConfig({ DATA_DIR: dir, GATEHOUSE_ADMIN_EMAIL: 'a@example.com' })).toThrow(
      'GATEHOUSE_ADMIN_EMAIL: needs GATEHOUSE_ADMIN_PASSWORD_FILE too',
    );
  });
});

describe('the paths Gatehouse writes', () => {
  it('names the path and what is wrong when a folder is a file', async () => {
    const data = path.join(dir, 'file-in-the-way');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'storage'), 'not a folder');
    await writeFile(path.join(data, 'outbox'), 'not a folder');
    const config = loadConfig({ DATA_DIR: data });
    expect(() => checkWrittenPaths(config)).toThrow(
      [
        'Gatehouse cannot write where it keeps its data:',
        `  - ${path.join(data, 'storage')} (stored files (no S3_BUCKET set)): is a file, not a folder`,
        `  - ${path.join(data, 'outbox')} (the mail outbox (no SMTP_HOST set)): is a file, not a folder`,
      ].join('\n'),
    );
  });

  it('creates what is missing and passes on a fresh DATA_DIR', () => {
    const config = loadConfig({ DATA_DIR: path.join(dir, 'fresh', 'data') });
    expect(() => checkWrittenPaths(config)).not.toThrow();
  });
});

describe('gatehouse serve with folders it cannot write', SLOW, () => {
  beforeAll(buildCliOnce, 120_000);

  // Root ignores permissions: as root, the server runs as nobody (who does not own the folders); otherwise as
  // this user, with the folders made read-only.
  const root = process.getuid?.() === 0;
  const readOnly = async (folder: string) => chmod(folder, root ? 0o755 : 0o555);

  /** `gatehouse serve` as a user for whom the folders below are read-only. */
  const serveAsNobody = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'serve'], {
        env: { PATH: process.env.PATH, ...FAST, LOG_FORMAT: 'json', PORT: '0', ...env },
        ...(root ? { uid: 65534, gid: 65534 } : {}),
        cwd: '/',
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });

  it('refuses a read-only storage folder and outbox, naming both (bug: a 500 at upload, lost mail)', async () => {
    const data = path.join(dir, 'read-only-parts');
    await mkdir(path.join(data, 'storage'), { recursive: true });
    await mkdir(path.join(data, 'outbox'), { recursive: true });
    if (root) await chown(data, 65534, 65534);
    await readOnly(path.join(data, 'storage'));
    await readOnly(path.join(data, 'outbox'));
    const res = await serveAsNobody({ DATA_DIR: data });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Gatehouse cannot write where it keeps its data:');
    expect(res.stderr).toContain(
      `${path.join(data, 'storage')} (stored files (no S3_BUCKET set)): is not writable: permission denied`,
    );
    expect(res.stderr).toContain(
      `${path.join(data, 'outbox')} (the mail outbox (no SMTP_HOST set)): is not writable: permission denied`,
    );
  });

  it('names the database folder when it cannot be written (bug: a read-only database reported no path)', async () => {
    const data = path.join(dir, 'read-only-data');
    await mkdir(data, { recursive: true });
    await readOnly(data);
    const res = await serveAsNobody({ DATA_DIR: data });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `${path.join(data, 'gatehouse.db')} (the SQLite database): its folder ${data} is not writable: permission denied`,
    );
  });

  it('starts when run from the install folder with a relative DATA_DIR, without a warning about it', async () => {
    const data = path.relative(path.resolve(import.meta.dirname, '..'), path.join(dir, 'from-install'));
    const res = await cliProcess(['migrate'], { ...FAST, DATA_DIR: data });
    expect(res.code).toBe(0);
    expect(res.stderr).not.toContain('warning');
  });
});
