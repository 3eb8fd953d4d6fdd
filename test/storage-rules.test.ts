import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { buildApp } from '../src/app.js';
import { createRules, DEFAULT_RULES } from '../src/storage/rules.js';
import { loadRules } from '../src/storage/rules-file.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

const RULES = `
rules:
  - path: /avatars/{userId}/*
    allow:
      - operations: [read]
      - operations: [create, update, delete]
        when: { userIdEquals: userId }
        maxSize: 2000
        contentTypes: [image/*]
  - path: /reports/**
    allow:
      - operations: [read, list]
        when: { roleIn: [editor] }
      - operations: [create, update]
        when: { roleIn: [editor] }
        contentTypes: [text/plain, application/json]
  - path: /inbox/*
    allow:
      - operations: [create]
        when: { signedIn: true }
`;

// The smallest valid PNG (1×1).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe('rules evaluation', () => {
  const rules = createRules(DEFAULT_RULES);
  it('gives each user their folder and everyone the public one', () => {
    expect(rules.decide('read', 'user/u1/a.txt', { userId: 'u1', roles: [] }).allowed).toBe(true);
    expect(rules.decide('read', 'user/u1/a.txt', { userId: 'u2', roles: [] }).allowed).toBe(false);
    expect(rules.decide('create', 'user/u1', { userId: 'u1', roles: [] }).allowed).toBe(false); // the folder itself is no file of theirs
    expect(rules.decide('read', 'public/x/y.png', { roles: [] }).allowed).toBe(true);
    expect(rules.decide('create', 'public/x.png', { roles: [] }).allowed).toBe(false);
    expect(rules.decide('read', 'other/x', { userId: 'u1', roles: ['user'] }).allowed).toBe(false);
  });
});

describe('STORAGE_RULES file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-rules-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is data: JavaScript in it is never run, and an invalid file stops the server with its path', async () => {
    const file = path.join(dir, 'evil.yaml');
    await writeFile(
      file,
      'rules:\n  - path: /x/**\n    allow:\n      - operations: [read]\n        when: { script: "process.exit(1)" }\n',
    );
    expect(() => loadRules(file)).toThrow(/STORAGE_RULES .*evil\.yaml/);
    const config = loadConfig({ DATA_DIR: dir, STORAGE_RULES: file, LOG_LEVEL: 'silent' });
    await expect(buildApp(config)).rejects.toThrow(/STORAGE_RULES/);
    const json = path.join(dir, 'rules.json');
    await writeFile(json, JSON.stringify(DEFAULT_RULES));
    expect(loadRules(json)).toEqual(DEFAULT_RULES);
  });
});

describe.each(DATABASES)('custom storage rules on %s', (db) => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-rules-'));
    await writeFile(path.join(dir, 'rules.yaml'), RULES);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const get = useTestApp(db, () => ({
    STORAGE_RULES: path.join(dir, 'rules.yaml'),
    ALLOWED_USER_ROLES: 'user,editor,admin',
    RATE_LIMIT_AUTH_PER_IP: '10000',
  }));
  const put = (t: TestApp, key: string, body: Buffer | string, type: string, token?: string) =>
    t.request({
      method: 'POST',
      url: `/storage/o/${key}`,
      payload: body,
      headers: { 'content-type': type, ...(token ? bearer(token) : {}) },
    });

  it('applies per-operation conditions, size limits and content types', async () => {
    const t = get();
    const a = await register(t);
    expect((await put(t, `avatars/${a.user.id}/me.png`, PNG, 'image/png', a.jwt_token)).statusCode).toBe(200);
    expect((await t.request({ url: `/storage/o/avatars/${a.user.id}/me.png` })).statusCode).toBe(200); // anyone reads
    expect((await put(t, `avatars/${a.user.id}/notes.txt`, 'hello', 'text/plain', a.jwt_token)).statusCode).toBe(415);
    expect(
      (await put(t, `avatars/${a.user.id}/big.png`, Buffer.concat([PNG, Buffer.alloc(3000)]), 'image/png', a.jwt_token))
        .statusCode,
    ).toBe(413);
    const b = await register(t);
    expect((await put(t, `avatars/${a.user.id}/me.png`, PNG, 'image/png', b.jwt_token)).statusCode).toBe(403); // b may read it: 403
  });

  it('lets roles in, and write-only folders keep their files unreadable', async () => {
    const t = get();
    const editor = await register(t, { register_options: { allowed_roles: ['user', 'editor'] } });
    const user = await register(t);
    expect((await put(t, 'reports/q1.txt', 'numbers', 'text/plain', editor.jwt_token)).statusCode).toBe(200);
    expect((await t.request({ url: '/storage/o/reports/q1.txt', headers: bearer(editor.jwt_token) })).body).toBe(
      'numbers',
    );
    expect((await t.request({ url: '/storage/m/reports/', headers: bearer(editor.jwt_token) })).json()).toHaveLength(1);
    expect((await t.request({ url: '/storage/o/reports/q1.txt', headers: bearer(user.jwt_token) })).statusCode).toBe(
      404,
    );
    // Refused with the folders this user may upload to (it was a bare 404).
    const refused = await put(t, 'reports/q2.txt', 'x', 'text/plain', user.jwt_token);
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'upload-not-allowed']);
    expect((await put(t, 'inbox/letter.txt', 'dear', 'text/plain', user.jwt_token)).statusCode).toBe(200);
    expect((await t.request({ url: '/storage/o/inbox/letter.txt', headers: bearer(user.jwt_token) })).statusCode).toBe(
      404,
    );
    expect((await put(t, 'inbox/letter.txt', 'again', 'text/plain', user.jwt_token)).statusCode).toBe(404); // create only
  });

  it('lets the admin role bypass every rule', async () => {
    const t = get();
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    expect((await put(t, 'anywhere/at/all.txt', 'root', 'text/plain', admin.jwt_token)).statusCode).toBe(200);
    expect((await t.request({ url: '/storage/o/inbox/letter.txt', headers: bearer(admin.jwt_token) })).statusCode).toBe(
      200,
    );
  });

  it('leaves one complete version when two uploads race for the same key', async () => {
    const t = get();
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    const objectsDir = path.join(t.config.dataDir, 'storage', 'objects');
    const countObjects = async () =>
      (await readdir(objectsDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    const before = await countObjects();
    const one = Buffer.alloc(40000, 'a');
    const two = Buffer.alloc(50000, 'b');
    await Promise.all([
      put(t, 'race/file.bin', one, 'application/octet-stream', admin.jwt_token),
      put(t, 'race/file.bin', two, 'application/octet-stream', admin.jwt_token),
    ]);
    const body = (await t.request({ url: '/storage/o/race/file.bin', headers: bearer(admin.jwt_token) })).rawPayload;
    expect(body.equals(one) || body.equals(two)).toBe(true);
    const meta = (await t.request({ url: '/storage/m/race/file.bin', headers: bearer(admin.jwt_token) })).json();
    expect(meta.ContentLength).toBe(body.length);
    expect(await countObjects()).toBe(before + 1); // the loser's object was removed
  });
});
