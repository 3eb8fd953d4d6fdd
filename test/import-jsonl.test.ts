import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/main.js';
import { buildTestApp, DATABASES, type TestApp } from './helpers/app.js';
import { bearer, PASSWORD, register } from './helpers/auth.js';
import { cli } from './helpers/cli.js';
import { enableTotp } from './helpers/doors.js';
import { cliEnvOf, hbpLogin, humhubLogin, importWith, ok, rocketchatLogin, storedHash } from './helpers/import.js';

const other = (db: (typeof DATABASES)[number]) => (db === 'sqlite' ? 'postgres' : 'sqlite');

describe.each(DATABASES)('gatehouse export from %s, import jsonl into the other database', (db) => {
  let from: TestApp;
  let to: TestApp;
  let dir: string;
  beforeAll(async () => {
    [from, to] = await Promise.all([buildTestApp(db), buildTestApp(other(db))]);
    // Tokens live by the real clock the CLI runs on.
    for (const t of [from, to]) t.clock.advance(Date.now() - t.clock.now().getTime());
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-export-'));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([from?.close(), to?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('carries users, hashes, roles, TOTP seeds, links and live sessions over, and a second run changes nothing', async () => {
    const ada = await register(from, { email: 'ada@example.org' });
    const nextCode = await enableTotp(from, ada.jwt_token);
    const bob = await register(from, { email: 'bob@example.org' });
    const rc = ok(await rocketchatLogin(from, 'bob@example.org', PASSWORD)).json().data;
    const bobUser = await from.app.services.users.require('bob@example.org');
    await from.app.services.realms.create('partners', { kind: 'cli', id: null });

    const plain = await cli(['export'], cliEnvOf(from));
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/"secret"/);
    const file = path.join(dir, `users-${db}.jsonl`);
    expect((await cli(['export', '--include-secrets', '--output', file], cliEnvOf(from))).code).toBe(0);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(
      expect.arrayContaining([
        { realm: 'partners' },
        expect.objectContaining({
          email: 'ada@example.org',
          mfa: expect.objectContaining({ secret: expect.any(String) }),
        }),
      ]),
    );

    const first = await importWith(to, 'jsonl', file);
    expect(first.counts).toMatchObject({ read: 2, created: 2, conflicts: 0 });
    const copy = await to.app.services.users.require('ada@example.org');
    const original = await from.app.services.users.require('ada@example.org');
    expect(copy).toMatchObject({
      id: original.id,
      numericId: original.numericId,
      displayName: original.displayName,
      metadata: original.metadata,
      username: original.username,
      roles: original.roles,
      mfaEnabled: true,
      passwordHash: original.passwordHash,
    });
    expect(await to.app.services.realms.exists('partners')).toBe(true);

    // Signed-in clients of the old server stay signed in; the TOTP seed still gives codes.
    ok(await to.request({ url: `/auth/token/refresh?refresh_token=${bob.refresh_token}` }));
    const me = ok(
      await to.request({ url: '/api/v1/me', headers: { 'x-user-id': rc.userId, 'x-auth-token': rc.authToken } }),
    );
    expect(me.json()._id).toBe(bobUser.id);
    const code = nextCode();
    to.clock.advance(from.clock.now().getTime() - to.clock.now().getTime());
    ok(await hbpLogin(to, 'ada@example.org', PASSWORD, code));
    ok(await humhubLogin(to, bobUser.username!, PASSWORD));
    expect(await storedHash(to, 'bob@example.org')).toMatch(/^\$argon2id\$/);
    ok(
      await to.request({
        url: '/auth/user',
        headers: bearer(ok(await hbpLogin(to, 'bob@example.org', PASSWORD)).json().jwt_token),
      }),
    );

    const again = await importWith(to, 'jsonl', file);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
  }, 120_000);

  it('draws a progress line on a terminal, and keeps standard output for the summary', async () => {
    const file = path.join(dir, `users-${db}.jsonl`);
    let stderr = '';
    let stdout = '';
    const terminal = Object.assign(new Writable({ write: (c, _e, done) => ((stderr += c), done()) }), { isTTY: true });
    const code = await run(['node', 'gatehouse', 'import', 'jsonl', '--from', file, '--dry-run', '--batch-size', '1'], {
      env: cliEnvOf(to),
      stdin: Readable.from([]),
      stdout: new Writable({ write: (c, _e, done) => ((stdout += c), done()) }),
      stderr: terminal,
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/\rjsonl: 1 read, .*\rjsonl: 2 read, /s);
    expect(stdout).toMatch(/^Dry run \(nothing written\): jsonl: read 2, created 0, updated 0, unchanged 2/);
  });

  // Bug guarded: a batch size of 0 or 99999 was quietly moved into 1..5000 and the import ran.
  it('refuses a batch size outside 1 to 5000 before reading anything', async () => {
    const file = path.join(dir, `users-${db}.jsonl`);
    for (const size of ['0', '5001', '-3', 'many']) {
      let stderr = '';
      const code = await run(['node', 'gatehouse', 'import', 'jsonl', '--from', file, '--batch-size', size], {
        env: cliEnvOf(to),
        stdin: Readable.from([]),
        stdout: new Writable({ write: (_c, _e, done) => done() }),
        stderr: new Writable({ write: (c, _e, done) => ((stderr += c), done()) }),
      });
      expect(code, size).toBe(1);
      expect(stderr, size).toMatch(/batch-size|whole number|from 1 to 5000/);
      expect(stderr, size).not.toMatch(/jsonl: read/);
    }
  });

  it('skips lines that are not users and says which', async () => {
    const bad = path.join(dir, `bad-${db}.jsonl`);
    await writeFile(bad, 'not json\n{"id":"nope","email":"x@example.org","roles":[],"defaultRole":"user"}\n');
    const summary = await importWith(to, 'jsonl', bad);
    expect(summary.counts).toMatchObject({ read: 2, created: 0, skippedRows: 2 });
    expect(summary.warnings).toEqual(['line 1: not JSON', 'line 2: id is not a UUID']);
  });

  it('refuses a numeric id or login name another account holds, so that no client id changes owner', async () => {
    const holder = await to.app.services.users.require('ada@example.org');
    const line = (o: object) =>
      JSON.stringify({ id: randomUUID(), roles: ['user'], defaultRole: 'user', passwordHash: null, ...o });
    const file = path.join(dir, `taken-${db}.jsonl`);
    await writeFile(
      file,
      [
        line({ email: 'nina@example.org', numericId: holder.numericId }),
        line({ email: 'omar@example.org', username: holder.username!.toUpperCase() }),
        line({ email: 'pia@example.org' }),
        line({ email: 'PIA@example.org' }),
      ].join('\n'),
    );
    const summary = await importWith(to, 'jsonl', file);
    expect(summary.counts).toMatchObject({ read: 4, created: 1, conflicts: 3 });
    expect(summary.conflicts.map((c) => [c.email, c.reason])).toEqual([
      ['nina@example.org', 'numeric-id-taken'],
      ['omar@example.org', 'username-taken'],
      ['pia@example.org', 'duplicate-in-source'],
    ]);
    expect(await to.app.services.users.get(holder.id)).toMatchObject({ email: 'ada@example.org' });
  });
});
