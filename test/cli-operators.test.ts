import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer, login, PASSWORD, register, uniqueEmail } from './helpers/auth.js';
import { BIN, buildCliOnce, cli, cliProcess } from './helpers/cli.js';

const ADMIN_SECRET = 'operators-cli-admin-secret-0123456789abcdef';
const FAST = { ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1', LOG_LEVEL: 'silent' };

describe.each(DATABASES)('operator verbs through the CLI and the admin API on %s', (db) => {
  const getT = useTestApp(db, { AUTO_ACTIVATE_NEW_USERS: 'false', ADMIN_SECRET, RATE_LIMIT_ENABLED: 'false' });
  /** The CLI on the test app's own database. */
  const env = () => {
    const { config } = getT();
    return {
      ...FAST,
      DATA_DIR: config.dataDir,
      DATABASE_URL: config.database.kind === 'postgres' ? config.database.url : undefined,
    };
  };
  const run = (args: string[], stdin = '') => cli(args, env(), stdin);
  const admin = (method: 'POST' | 'DELETE' | 'PATCH', url: string, payload?: unknown) =>
    getT().request({ method, url, payload: payload as object, headers: { 'x-admin-secret': ADMIN_SECRET } });
  const pending = async () => {
    const email = uniqueEmail('pending');
    await register(getT(), { email });
    return email;
  };
  const outboxCount = async () => (await readdir(path.join(getT().config.dataDir, 'outbox')).catch(() => [])).length;

  it('refuses what the API refuses: --email notanemail (bug: accepted), a bad role, a bad username', async () => {
    for (const args of [
      ['--email', 'notanemail'],
      ['--email', 'a@example.com', '--roles', 'no spaces'],
      ['--email', 'a@example.com', '--username', 'has space'],
    ]) {
      const res = await run(['users', 'create', ...args], PASSWORD);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/error: option .* argument .* is invalid/);
    }
    const api = await admin('POST', '/admin/users', { email: 'notanemail', password: PASSWORD });
    expect(api.statusCode).toBe(400);
  });

  it('says enabling an inactive user changes nothing, then activates it (bug: "enabled", no change)', async () => {
    const email = await pending();
    const enable = await run(['users', 'enable', email]);
    expect(enable.stdout).toBe(
      `${email} was not disabled: nothing changed; ${email} is inactive (never activated) and cannot sign in ` +
        `until activated: gatehouse users activate ${email}\n`,
    );
    expect((await login(getT(), email)).statusCode).toBe(401);
    expect((await run(['users', 'activate', email])).stdout).toBe(`${email} activated\n`);
    expect((await login(getT(), email)).statusCode).toBe(200);
    expect((await run(['users', 'activate', email])).stdout).toBe(`${email} was active already: nothing changed\n`);
    const entries = await getT().app.services.audit.list({ action: 'user.activate', limit: 10 });
    expect(entries.map((e) => e.actor)).toEqual(['cli']);
  });

  it('mails the activation again from the CLI and the API, and refuses it for an active account', async () => {
    const email = await pending();
    const before = await outboxCount();
    const res = await run(['users', 'resend-activation', email]);
    expect(res.stdout).toContain(`${email}: activation mail sent`);
    await expect.poll(outboxCount).toBeGreaterThan(before);
    const user = (await getT().app.services.users.findByEmail(email))!;
    expect((await admin('POST', `/admin/users/${user.id}/activation-mail`)).statusCode).toBe(204);
    expect((await admin('POST', `/admin/users/${user.id}/activate`)).json()).toEqual({ changed: true });
    const active = await admin('POST', `/admin/users/${user.id}/activation-mail`);
    expect(active.statusCode).toBe(409);
    expect(active.json().code).toBe('already-active');
    expect((await run(['users', 'resend-activation', email])).stderr).toContain('The account is active already');
  });

  it('resets the second factor of a user who lost their phone, audited', async () => {
    const t = getT();
    const email = uniqueEmail('lost-phone');
    await admin('POST', '/admin/users', { email, password: PASSWORD });
    const jwt = (await login(t, email)).json().jwt_token as string;
    const { otp_secret } = (
      await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(jwt) })
    ).json();
    const code = codeAt(otp_secret, t.clock.now().getTime());
    const on = await t.request({ method: 'POST', url: '/auth/mfa/enable', headers: bearer(jwt), payload: { code } });
    expect(on.statusCode).toBe(204);
    expect((await login(t, email)).json().mfa).toBeTruthy();
    expect((await run(['users', 'reset-mfa', email])).stdout).toBe(`${email}: second factor removed\n`);
    const after = (await login(t, email)).json();
    expect(after.mfa ?? null).toBeNull();
    expect(after.jwt_token).toBeTypeOf('string');
    expect((await run(['users', 'reset-mfa', email])).stdout).toBe(`${email} had no second factor: nothing changed\n`);
    const user = (await t.app.services.users.findByEmail(email))!;
    expect((await admin('DELETE', `/admin/users/${user.id}/mfa`)).json()).toEqual({ changed: false });
    const entries = await t.app.services.audit.list({ action: 'mfa.reset', subject: user.id, limit: 10 });
    expect(entries.map((e) => e.actor)).toEqual(['cli']);
  });

  it("edits a user's email, name, username and metadata; a new email ends their sessions", async () => {
    const t = getT();
    const email = uniqueEmail('edited');
    await admin('POST', '/admin/users', { email, password: PASSWORD });
    const refresh = (await login(t, email)).json().refresh_token as string;
    const renamed = uniqueEmail('renamed');
    const res = await run([
      'users',
      'edit',
      email,
      '--email',
      renamed,
      '--display-name',
      'Renamed Person',
      '--metadata',
      '{"team":"ops"}',
      '--format',
      'json',
    ]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ email: renamed, display_name: 'Renamed Person' });
    const again = await t.request({ url: `/auth/token/refresh?refresh_token=${encodeURIComponent(refresh)}` });
    expect(again.statusCode).toBe(401);
    expect((await login(t, renamed)).statusCode).toBe(200);
    const user = (await t.app.services.users.findByEmail(renamed))!;
    expect(user.metadata).toEqual({ team: 'ops' });
    const api = await admin('PATCH', `/admin/users/${user.id}`, { username: 'renamed.person' });
    expect(api.statusCode).toBe(200);
    expect(api.json().username).toBe('renamed.person');
    expect((await admin('PATCH', `/admin/users/${user.id}`, { email: 'nope' })).statusCode).toBe(400);
    expect((await run(['users', 'edit', renamed, '--metadata', '[1]'])).stderr).toContain('must be a JSON object');
    expect((await run(['users', 'edit', renamed])).stderr).toContain('Nothing to change');
    const entries = await t.app.services.audit.list({ action: 'user.edit', subject: user.id, limit: 10 });
    expect(entries.map((e) => e.detail)).toEqual([
      { fields: ['username'] },
      { fields: ['email', 'display_name', 'metadata'], metadata_keys: ['team'] },
    ]);
  });

  it('names the method verbs under one noun, keeping the old spellings', async () => {
    const email = uniqueEmail('methods');
    await admin('POST', '/admin/users', { email, password: PASSWORD });
    expect((await run(['methods', 'set', 'jwt', 'selected'])).stdout).toBe('jwt: selected\n');
    expect((await run(['methods', 'allow', email, 'jwt'])).stdout).toBe(`${email}: jwt allowed\n`);
    expect((await run(['users', 'disallow-method', email, 'jwt'])).stdout).toBe(`${email}: jwt disallowed\n`);
    expect((await run(['method', 'jwt', 'all'])).stdout).toBe('jwt: all\n');
    const help = await run(['--help']);
    expect(help.stdout).toContain('methods');
    expect(help.stdout).not.toMatch(/^\s+method </m);
  });
});

describe('gatehouse CLI as a process', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    await buildCliOnce();
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-cli-ops-'));
  }, 600_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses to start a new database from another folder (bug: a silent empty one), unless --init', async () => {
    const refused = await cliProcess(['users', 'list'], FAST, '', dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`DATA_DIR "./data" is relative to the working folder ${dir}`);
    expect(refused.stderr).toContain('add --init to create a new, empty database');
    const created = await cliProcess(['--init', 'users', 'list'], FAST, '', dir);
    expect(created.code).toBe(0);
    // Once it exists, it is used without --init.
    expect((await cliProcess(['users', 'list'], FAST, '', dir)).code).toBe(0);
  });

  it('asks for a new password twice on a terminal, without echoing it (bug: shown in clear, no prompt)', () => {
    // A real pseudo-terminal (Python's pty module) in front of the built CLI.
    const data = path.join(dir, 'tty');
    const script = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(sys.argv[1], sys.argv[1:], dict(os.environ))
out = b''
def read_until(marker):
    global out
    while marker not in out:
        chunk = os.read(fd, 1024)
        if not chunk: break
        out += chunk
read_until(b'Password: ')
os.write(fd, b'${PASSWORD}\\r')
read_until(b'Password again: ')
os.write(fd, b'${PASSWORD}\\r')
try:
    while True:
        chunk = os.read(fd, 1024)
        if not chunk: break
        out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode())
sys.exit(os.waitstatus_to_exitcode(status))
`;
    const res = spawnSync(
      'python3',
      ['-c', script, process.execPath, BIN, 'users', 'create', '--email', 'tty@example.com'],
      { env: { PATH: process.env.PATH, ...FAST, DATA_DIR: data }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(res.status, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('Password: ');
    expect(res.stdout).toContain('Password again: ');
    expect(res.stdout).toContain('Created tty@example.com');
    expect(res.stdout).not.toContain(PASSWORD);
  });
});
