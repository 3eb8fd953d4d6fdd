import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.js';
import { buildCliOnce, cliProcess } from './helpers/cli.js';
import { cliEnvOf } from './helpers/import.js';

const USERS = 100_000;
const MiB = 2 ** 20;
/** The heap the importing process is given (V8's old space): each file is larger than that alone. */
const HEAP = 96;
/** Node, the CLI's modules and native libraries, its services and one batch: what an import needs, whatever N. */
const RSS_BOUND = 192 * MiB;

/** Writes `open`, then `n` elements made by `element` separated by commas, then `close`, on one line. */
async function writeArray(file: string, open: string, n: number, element: (i: number) => unknown, close: string) {
  const out = createWriteStream(file);
  out.write(open);
  for (let i = 0; i < n; i++) if (!out.write(`${i ? ',' : ''}${JSON.stringify(element(i))}`)) await once(out, 'drain');
  out.end(close);
  await once(out, 'finish');
}

/** A realm export as `kc.sh export` writes it: the realm's settings first, then every user with credentials. */
const keycloakUser = (i: number) => ({
  id: randomUUID(),
  createdTimestamp: 1_700_000_000_000 + i,
  username: `user${i}`,
  enabled: true,
  emailVerified: true,
  firstName: 'Stream',
  lastName: `User ${i}`,
  email: `user${i}@stream.example.org`,
  attributes: { locale: ['de'], note: [randomBytes(400).toString('base64')] },
  credentials: [
    {
      type: 'password',
      createdDate: 1_700_000_000_000,
      secretData: JSON.stringify({
        value: randomBytes(64).toString('base64'),
        salt: randomBytes(16).toString('base64'),
      }),
      credentialData: JSON.stringify({ hashIterations: 27500, algorithm: 'pbkdf2-sha512', additionalParameters: {} }),
    },
  ],
  realmRoles: ['default-roles-stream', 'editor'],
});

/** A `mongoexport --jsonArray` of Rocket.Chat's users: one line, Extended JSON dates. */
const rocketchatUser = (i: number) => ({
  _id: randomBytes(9).toString('base64url'),
  createdAt: { $date: '2023-05-01T10:00:00.000Z' },
  username: `rc${i}`,
  emails: [{ address: `rc${i}@stream.example.org`, verified: true }],
  type: 'user',
  active: true,
  roles: ['user'],
  name: `Rocket ${i}`,
  services: {
    password: { bcrypt: `$2b$10$${randomBytes(40).toString('base64url').slice(0, 53)}` },
    resume: {
      loginTokens: [{ when: { $date: '2026-11-30T10:00:00.000Z' }, hashedToken: randomBytes(32).toString('base64') }],
    },
  },
  settings: { preferences: { note: randomBytes(600).toString('base64') } },
});

// What is measured is the reading, the same whatever database the users would go to (a dry run writes none): one
// database here; the streamed sources' writes are checked on both in import-keycloak and import-rocketchat.
describe.each(['sqlite'] as const)('streamed import sources on %s', (db) => {
  const app = useTestApp(db);
  let dir: string;
  const files = { keycloak: '', rocketchat: '' };
  beforeAll(async () => {
    await buildCliOnce();
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-stream-'));
    files.keycloak = path.join(dir, 'realm-export.json');
    files.rocketchat = path.join(dir, 'users.json');
    await writeArray(
      files.keycloak,
      '{"id":"stream","realm":"stream","enabled":true,"roles":{"realm":[]},"users":[',
      USERS,
      keycloakUser,
      '],"clients":[]}\n',
    );
    await writeArray(files.rocketchat, '[', USERS, rocketchatUser, ']\n');
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Regression (memory exhaustion): a realm export or a --jsonArray export used to be read whole, so the file's
  // size (and several times that in parsed objects) had to fit in memory at once. The CLI runs as operators run
  // it, with a heap smaller than the file, and the peak of its resident memory is read from /proc while it runs.
  for (const source of ['keycloak', 'rocketchat'] as const)
    it(`reads a ${source} file of ${USERS} users in a heap smaller than the file`, async () => {
      const t = app();
      const size = (await stat(files[source])).size;
      expect(size).toBeGreaterThan(HEAP * MiB);
      const env = { ...cliEnvOf(t), NODE_OPTIONS: `--max-old-space-size=${HEAP}` };
      let peakKib = 0;
      const child = cliProcess(
        ['import', source, '--from', files[source], '--format', 'json', '--dry-run', '--batch-size', '2000'],
        env,
        '',
        undefined,
        (pid) => {
          try {
            const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
            if (hwm) peakKib = Math.max(peakKib, Number(hwm[1]));
          } catch {
            // The process has just exited: its last reading stands.
          }
        },
      );
      const res = await child;
      expect(res.code, res.stderr).toBe(0);
      const summary = JSON.parse(res.stdout);
      expect(summary.counts).toMatchObject({ read: USERS, created: USERS, skippedRows: 0, conflicts: 0 });
      // Bounded by what one batch needs, not by the file (nor its parsed objects, several times its size).
      expect(
        peakKib * 1024,
        `peak RSS ${Math.round(peakKib / 1024)} MiB for a ${Math.round(size / MiB)} MiB file`,
      ).toBeLessThan(RSS_BOUND);
    }, 600_000);
});
