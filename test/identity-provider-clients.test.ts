import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { DATABASES } from './helpers/app.js';
import { cli } from './helpers/cli.js';
import { admin, ADMIN_SECRET, oidc, relyingParty } from './helpers/idp.js';
import { freePort } from './helpers/ports.js';
import { createTestDatabase } from './helpers/postgres.js';

describe.each(DATABASES)('OpenID Connect clients from the CLI and OIDC_CLIENTS_FILE on %s', (db) => {
  let env: Record<string, string | undefined>;
  let cleanup: () => Promise<void>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-oidc-cli-'));
    const pg = db === 'postgres' ? await createTestDatabase() : undefined;
    env = {
      DATA_DIR: dir,
      DATABASE_URL: pg?.url,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
      LOG_LEVEL: 'silent',
    };
    cleanup = async () => {
      await pg?.drop();
      await rm(dir, { recursive: true, force: true });
    };
  });
  afterAll(async () => cleanup());

  /** The server on this data folder, as a relying party reaches it. */
  async function serve(extra: Record<string, string>) {
    const port = await freePort();
    const server = `http://127.0.0.1:${port}`;
    const config = loadConfig({ ...env, SERVER_URL: server, OIDC_ENABLED: 'true', ADMIN_SECRET, ...extra });
    const app = await buildApp(config, { logStream: { write: () => true } as never });
    await app.listen({ port, host: '127.0.0.1' });
    return { app, server };
  }

  it('adds a client whose secret is printed once, lists it, rotates and removes it', async () => {
    const added = await cli(
      ['oidc', 'clients', 'add', 'Batch jobs', '--id', 'batch', '--grant', 'client_credentials'],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1];
    expect(secret).toBeTruthy();
    const listed = await cli(['oidc', 'clients', 'list', '--json'], env);
    expect(listed.stdout).toContain('"clientId": "batch"');
    expect(listed.stdout).not.toContain(secret!);
    const { app, server } = await serve({});
    try {
      const rp = await relyingParty(server, { id: 'batch', secret });
      expect((await oidc.clientCredentialsGrant(rp, {})).access_token).toBeTruthy();
      const rotated = await cli(['oidc', 'clients', 'rotate-secret', 'batch'], env);
      const fresh = /client_secret: (\S+)/.exec(rotated.stdout)?.[1];
      await expect(oidc.clientCredentialsGrant(rp, {})).rejects.toThrow();
      const again = await relyingParty(server, { id: 'batch', secret: fresh });
      expect((await oidc.clientCredentialsGrant(again, {})).access_token).toBeTruthy();
      expect((await cli(['oidc', 'clients', 'remove', 'batch'], env)).code).toBe(0);
      await expect(oidc.clientCredentialsGrant(again, {})).rejects.toThrow();
    } finally {
      await app.close();
    }
  });

  it('serves read-only clients from OIDC_CLIENTS_FILE, which keeps only the secret hash', async () => {
    const secret = 'a long random secret for the reporting service';
    const hashed = await cli(['oidc', 'hash-secret'], env, `${secret}\n`);
    const file = path.join(dir, 'clients.yaml');
    await writeFile(
      file,
      `clients:
  - client_id: reports
    name: Reports
    client_secret_hash: ${hashed.stdout.trim()}
    grant_types: [client_credentials]
`,
    );
    const { app, server } = await serve({ OIDC_CLIENTS_FILE: file });
    try {
      const rp = await relyingParty(server, { id: 'reports', secret });
      expect((await oidc.clientCredentialsGrant(rp, {})).access_token).toBeTruthy();
      const shown = await app.inject({ url: '/admin/oidc/clients/reports', headers: admin });
      expect(shown.json()).toMatchObject({ client_id: 'reports', read_only: true, public: false });
      const changed = await app.inject({
        method: 'PUT',
        url: '/admin/oidc/clients/reports',
        headers: admin,
        payload: { name: 'Other', redirect_uris: [] },
      });
      expect(changed.statusCode).toBe(409);
    } finally {
      await app.close();
    }
  });
});
