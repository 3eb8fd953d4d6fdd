import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { cli } from './helpers/cli.js';
import { createTestDatabase } from './helpers/postgres.js';
import { PEOPLE, SERVICE, person, seedLdif, startSlapd, type Slapd } from './helpers/slapd.js';

const SEED = seedLdif([person('olga')]);

describe.each(DATABASES)('gatehouse directories … on %s', (db) => {
  let slapd: Slapd;
  let env: Record<string, string | undefined>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    slapd = await startSlapd(SEED);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-cli-'));
    const pg = db === 'postgres' ? await createTestDatabase() : undefined;
    env = {
      DATA_DIR: dataDir,
      DATABASE_URL: pg?.url,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
      LOG_LEVEL: 'silent',
    };
    cleanup = async () => {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
      await slapd.stop();
    };
  }, 60_000);
  afterAll(() => cleanup());

  it('sets a directory from standard input, lists it without its password, links a local user, checks and removes it', async () => {
    const yaml = `url: ${slapd.url}\nbind_dn: "${SERVICE.dn}"\nbind_password: ${SERVICE.password}\nsearch_base: "${PEOPLE}"\ndefault: true\n`;
    expect(await cli(['directories', 'set', 'corp'], env, yaml)).toMatchObject({
      code: 0,
      stdout: 'Directory for realm corp created\n',
    });

    const listed = await cli(['directories', 'list', '--format', 'json'], env);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ realm: 'corp', source: 'api', has_bind_password: true, default: true }),
    ]);
    expect(listed.stdout).not.toContain(SERVICE.password);

    expect((await cli(['user', 'create', '--email', 'olga@example.org'], env, 'a local passphrase 1\n')).code).toBe(0);
    expect(await cli(['directories', 'link', 'corp', 'olga@example.org', 'olga'], env)).toMatchObject({
      code: 0,
      stdout: 'olga@example.org linked to olga in realm corp\n',
    });
    const setPassword = await cli(['users', 'set-password', 'olga@example.org'], env, 'an operator passphrase 3\n');
    expect(setPassword.code).toBe(1);
    expect(setPassword.stderr).toMatch(/password is managed by the directory of realm corp/);
    expect(await cli(['directories', 'sync'], env)).toMatchObject({
      code: 0,
      stdout: 'checked 1, sessions ended for 0\n',
    });
    expect(await cli(['directories', 'remove', 'corp'], env)).toMatchObject({
      code: 0,
      stdout: 'Directory for realm corp removed\n',
    });
  }, 300_000);

  it('names every problem of bad settings and exits 1', async () => {
    const bad = await cli(['directories', 'set', 'corp'], env, 'url: http://nowhere\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Invalid directory settings:[\s\S]*\/url[\s\S]*\/search_base/);
  }, 60_000);
});
