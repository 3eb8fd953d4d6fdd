import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { createTestDatabase } from './helpers/postgres.js';

const ENTRY = "import('./src/main.ts').then((m) => m.main(['node', 'gatehouse', ...process.argv.slice(1)]))";

/** Runs the real CLI in a child process, as an operator would. */
function cli(args: string[], env: Record<string, string | undefined>, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', ENTRY, ...args], { env: { PATH: process.env.PATH, ...env }, cwd: process.cwd() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe.each(DATABASES)('gatehouse CLI on %s', (db) => {
  let env: Record<string, string | undefined>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-cli-'));
    const pg = db === 'postgres' ? await createTestDatabase() : undefined;
    env = { DATA_DIR: dataDir, DATABASE_URL: pg?.url, ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1', LOG_LEVEL: 'silent' };
    cleanup = async () => {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    };
  });
  afterAll(() => cleanup());

  it('migrates, then reports the database up to date', async () => {
    const first = await cli(['migrate'], env);
    expect(first).toMatchObject({ code: 0, stdout: 'Applied: 0001-core, 0002-lifecycle, 0003-files, 0004-api-tokens, 0005-realms, 0006-auth-methods, 0007-method-modes, 0008-sessions-audit-identity, 0011-client-wire, 0012-federation, 0013-password-digest\n' });
    expect((await cli(['migrate'], env)).stdout).toBe('Database is up to date\n');
  });

  it('creates, lists, disables, enables and sets roles of users', async () => {
    const created = await cli(['user', 'create', '--email', 'Admin@Example.com', '--roles', 'user,admin', '--default-role', 'admin'], env, 'an admin passphrase\n');
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^Created admin@example\.com \([0-9a-f-]{36}\) with roles admin,user\n$/);

    const listed = JSON.parse((await cli(['user', 'list', '--format', 'json'], env)).stdout);
    expect(listed).toEqual([expect.objectContaining({ email: 'admin@example.com', roles: ['admin', 'user'], defaultRole: 'admin', active: true, disabled: false })]);
    expect(JSON.stringify(listed)).not.toContain('argon2');

    expect((await cli(['user', 'disable', 'admin@example.com'], env)).stdout).toBe('admin@example.com disabled\n');
    expect((await cli(['user', 'list'], env)).stdout).toContain('admin@example.com  disabled  admin [admin,user]');
    expect((await cli(['user', 'enable', 'admin@example.com'], env)).stdout).toBe('admin@example.com enabled\n');

    expect((await cli(['user', 'set-roles', 'admin@example.com', '--roles', 'editor,user', '--default-role', 'editor'], env)).code).toBe(0);
    expect((await cli(['user', 'list'], env)).stdout).toContain('admin@example.com  active  editor [editor,user]');
  });

  it('creates realms and moves users into them', async () => {
    expect((await cli(['realm', 'create', 'staff'], env)).stdout).toBe('Realm staff created\n');
    expect((await cli(['realm', 'create', 'staff'], env))).toMatchObject({ code: 1, stderr: expect.stringContaining('exists already') });
    expect((await cli(['user', 'set-realm', 'admin@example.com', 'staff'], env)).stdout).toBe('admin@example.com: realm staff\n');
    expect(JSON.parse((await cli(['user', 'list', '--format', 'json'], env)).stdout)[0].realm).toBe('staff');
    expect((await cli(['user', 'set-realm', 'admin@example.com', 'nowhere'], env))).toMatchObject({ code: 1, stderr: expect.stringContaining('No realm nowhere') });
  });

  it('creates and revokes bearer tokens, and opens methods for selected users', async () => {
    const token = (await cli(['token', 'create', 'admin@example.com', '--name', 'ci', '--days', '1'], env)).stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await cli(['token', 'revoke', token], env)).stdout).toBe('revoked\n');
    expect((await cli(['user', 'allow-method', 'admin@example.com', 'jwt'], env)).stdout).toBe('admin@example.com: jwt allowed\n');
    expect((await cli(['user', 'disallow-method', 'admin@example.com', 'jwt'], env)).stdout).toBe('admin@example.com: jwt disallowed\n');
    expect(await cli(['user', 'allow-method', 'admin@example.com', 'magic'], env)).toMatchObject({ code: 1, stderr: expect.stringContaining('jwt or basic') });
    expect((await cli(['method', 'basic', 'selected'], env)).stdout).toBe('basic: selected\n');
    expect(await cli(['method', 'basic', 'maybe'], env)).toMatchObject({ code: 1, stderr: expect.stringContaining('Usage') });
  });

  it('refuses a weak password, an unknown user and a default role outside the roles', async () => {
    const weak = await cli(['user', 'create', '--email', 'weak@example.com'], env, 'password\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('too common');
    const unknown = await cli(['user', 'disable', 'nobody@example.com'], env);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('No user with email nobody@example.com') });
    const roles = await cli(['user', 'set-roles', 'admin@example.com', '--roles', 'user', '--default-role', 'admin'], env);
    expect(roles).toMatchObject({ code: 1, stderr: expect.stringContaining('default role') });
  });

  it('stops with one message naming every bad variable', async () => {
    const res = await cli(['migrate'], { ...env, PORT: 'x', JWT_ALGORITHM: 'none' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Invalid configuration:');
    expect(res.stderr).toContain('PORT: must be a whole number');
    expect(res.stderr).toContain('JWT_ALGORITHM: must be one of');
  });
});
