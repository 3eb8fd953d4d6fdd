import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hash as bcrypt } from '@node-rs/bcrypt';
import { RestClient } from '@rocket.chat/api-client';
import { EJSON } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, newSecret } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { useServer } from './clients/harness/server.js';
import { cli } from './helpers/cli.js';
import { cliEnvOf, hbpLogin, importWith, ok, rocketchatLogin, storedHash } from './helpers/import.js';

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');
/** Rocket.Chat's Accounts._hashLoginToken: SHA-256, base64. */
const hashLoginToken = (t: string) => createHash('sha256').update(t).digest('base64');

const RITA = { _id: 'rT5bXq2WcYzN8mKpA', token: randomBytes(32).toString('base64url') };
const TOM = { _id: 'tM9cVb3XaQwE7rTyU', secret: newSecret() };

/** Users as Rocket.Chat's `users` collection holds them, exported by `mongoexport` (JSON lines, Extended JSON). */
async function mongoexport(file: string) {
  const now = Date.now();
  const docs = [
    {
      _id: RITA._id,
      createdAt: new Date(now - 86_400_000 * 300),
      services: {
        password: { bcrypt: await bcrypt(sha256hex('rita old password'), 10) },
        email: { verificationTokens: [] },
        resume: { loginTokens: [{ when: new Date(now - 86_400_000), hashedToken: hashLoginToken(RITA.token) }] },
      },
      emails: [{ address: 'rita@example.org', verified: true }],
      type: 'user',
      status: 'offline',
      active: true,
      roles: ['user', 'admin'],
      name: 'Rita Levi',
      lastLogin: new Date(now - 86_400_000),
      username: 'rita',
      utcOffset: 1,
    },
    {
      _id: TOM._id,
      createdAt: new Date(now - 86_400_000 * 30),
      services: {
        password: { bcrypt: await bcrypt(sha256hex('tom old password'), 10) },
        totp: { enabled: true, secret: TOM.secret, hashedBackup: [] },
      },
      emails: [{ address: 'tom@example.org', verified: false }],
      type: 'user',
      active: true,
      roles: ['user'],
      name: 'Tom',
      username: 'tom',
    },
    { _id: 'rocket.cat', type: 'bot', username: 'rocket.cat', roles: ['bot'], active: true },
  ];
  await writeFile(file, `${docs.map((d) => EJSON.stringify(d, { relaxed: true })).join('\n')}\n`);
}

describe.each(DATABASES)('gatehouse import rocketchat on %s', (db) => {
  const app = useTestApp(db);
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-rc-'));
    file = path.join(dir, 'users.json');
    await mongoexport(file);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps _id, resume tokens, bcrypt-of-SHA-256 passwords and TOTP; a second run changes nothing', async () => {
    const t = app();
    const first = await importWith(t, 'rocketchat', file);
    expect(first.counts).toMatchObject({ read: 3, created: 2, skippedRows: 1, tokens: 1, unverifiable: 0 });

    // A client signed in before the switch stays signed in, with the same userId.
    const headers = { 'x-user-id': RITA._id, 'x-auth-token': RITA.token };
    const me = ok(await t.request({ url: '/api/v1/me', headers }));
    expect(me.json()).toMatchObject({ _id: RITA._id, username: 'rita', name: 'Rita Levi', roles: ['admin', 'user'] });
    // Another user's id with this token is refused.
    expect((await t.request({ url: '/api/v1/me', headers: { ...headers, 'x-user-id': TOM._id } })).statusCode).toBe(
      401,
    );

    // Rocket.Chat's clients send the digest: it checks against the imported bcrypt as it is.
    const digest = ok(
      await t.request({
        method: 'POST',
        url: '/api/v1/login',
        payload: { user: 'rita', password: { digest: sha256hex('rita old password'), algorithm: 'sha-256' } },
      }),
    );
    expect(digest.json().data.userId).toBe(RITA._id);
    expect(await storedHash(t, 'rita@example.org')).toMatch(/^\$gatehouse-import\$bcrypt-sha256\$/);

    // The plain password, on Rocket.Chat's door and on HBP's: the hash becomes argon2id.
    const plain = ok(await rocketchatLogin(t, 'rita', 'rita old password'));
    expect(plain.json().data.userId).toBe(RITA._id);
    expect(await storedHash(t, 'rita@example.org')).toMatch(/^\$argon2id\$/);
    ok(await hbpLogin(t, 'rita@example.org', 'rita old password'));

    // The TOTP seed comes over: a code from it passes the second factor.
    expect((await rocketchatLogin(t, 'tom', 'tom old password')).statusCode).toBe(401);
    t.clock.advanceSeconds(30);
    const code = codeAt(TOM.secret, t.clock.now().getTime());
    expect(ok(await rocketchatLogin(t, 'tom', 'tom old password', code)).json().data.userId).toBe(TOM._id);
    expect(await storedHash(t, 'tom@example.org')).toMatch(/^\$argon2id\$/);

    const again = await importWith(t, 'rocketchat', file);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    ok(await t.request({ url: '/api/v1/me', headers }));
  }, 120_000);

  it('reads a --jsonArray export too', async () => {
    const t = app();
    const array = path.join(dir, 'array.json');
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    await writeFile(array, `[${lines.join(',\n')}]`);
    const summary = await importWith(t, 'rocketchat', array, '--dry-run');
    expect(summary.counts).toMatchObject({ read: 3, unchanged: 2 });
    // The same array on standard input (`--from -`).
    const piped = await cli(
      ['import', 'rocketchat', '--from', '-', '--dry-run', '--format', 'json'],
      cliEnvOf(t),
      await readFile(array, 'utf8'),
    );
    expect(JSON.parse(piped.stdout).counts).toMatchObject({ read: 3, unchanged: 2 });
  });
});

describe.each(DATABASES)("Rocket.Chat's own REST client after an import on %s", (db) => {
  const server = useServer(db, {}, { realTime: true });
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-rc-client-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stays signed in with the resume token and userId it held before the switch', async () => {
    const live = server();
    const file = path.join(dir, 'users.json');
    await mongoexport(file);
    await importWith(live.t, 'rocketchat', file);
    // @rocket.chat/api-client as an app that signed in to Rocket.Chat kept it: credentials restored from storage.
    const client = new RestClient({ baseUrl: live.url });
    client.setCredentials({ 'X-User-Id': RITA._id, 'X-Auth-Token': RITA.token });
    const me = (await (client as unknown as { get(e: string): Promise<unknown> }).get('/v1/me')) as {
      _id: string;
      username: string;
    };
    expect(me).toMatchObject({ _id: RITA._id, username: 'rita' });
  }, 120_000);
});
