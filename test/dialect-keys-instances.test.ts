import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { DATABASES } from './helpers/app.js';
import { PASSWORD, bearer, headerOf, uniqueEmail } from './helpers/auth.js';
import { TestClock } from './helpers/clock.js';
import { createTestDatabase } from './helpers/postgres.js';

const ADMIN_SECRET = 'an-admin-secret-long-enough-for-the-check-0123';
const REFRESH_SECONDS = 5;
type Instance = { app: Awaited<ReturnType<typeof buildApp>>; clock: TestClock };

/**
 * Two instances on one database with KEY_REFRESH_SECONDS=5 (each its own clock, moved by hand). The dialects' key
 * rings used to re-read the keys table every 30 s whatever KEY_REFRESH_SECONDS said: B went on signing HumHub and
 * privacyIDEA tokens with a key A had retired for half a minute, beyond the bound the operator configured.
 */
describe.each(DATABASES)("the dialects' key rings across instances on %s", (db) => {
  let a: Instance;
  let b: Instance;
  const dirs: string[] = [];
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) dirs.push(await mkdtemp(path.join(tmpdir(), 'gatehouse-dialect-keys-')));
    const pg = db === 'postgres' ? await createTestDatabase() : undefined;
    drop = pg && (() => pg.drop());
    const shared = {
      DATABASE_URL: pg?.url ?? `sqlite:${path.join(dirs[2]!, 'shared.db')}`,
      COOKIE_SECRET: randomBytes(32).toString('base64url'),
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
      LOG_LEVEL: 'silent',
      ADMIN_SECRET,
      KEY_REFRESH_SECONDS: String(REFRESH_SECONDS),
    };
    const start = async (dir: string) => {
      const clock = new TestClock();
      return { app: await buildApp(loadConfig({ ...shared, DATA_DIR: dir }), { clock }), clock };
    };
    a = await start(dirs[0]!);
    b = await start(dirs[1]!);
  }, 60_000);
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    await drop?.();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const humhub = async (i: Instance, email: string) =>
    (
      await i.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: email, password: PASSWORD },
      })
    ).json().auth_token as string;
  const privacyidea = async (i: Instance, email: string) =>
    (await i.app.inject({ method: 'POST', url: '/auth', payload: { username: email, password: PASSWORD } })).json()
      .result.value.token as string;

  it('B signs with the keys A rotated to within KEY_REFRESH_SECONDS, not 30 s', async () => {
    const email = uniqueEmail('dialect-keys');
    const registered = await a.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password: PASSWORD },
    });
    expect(registered.statusCode, registered.body).toBe(200);
    const before = { humhub: headerOf(await humhub(b, email)).kid, pi: headerOf(await privacyidea(b, email)).kid };

    const rotated = await a.app.inject({
      method: 'POST',
      url: '/admin/keys/rotate',
      headers: { 'x-admin-secret': ADMIN_SECRET },
      payload: { keys: 'dialects' },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const kids = Object.fromEntries(
      (rotated.json().dialects as { ring: string; kid: string }[]).map((d) => [d.ring, d.kid]),
    );
    expect(kids.humhub).not.toBe(before.humhub);
    expect(headerOf(await humhub(a, email)).kid).toBe(kids.humhub);

    // Within the interval B still signs with the key it read.
    b.clock.advanceSeconds(REFRESH_SECONDS - 1);
    expect(headerOf(await humhub(b, email)).kid).toBe(before.humhub);

    // Once KEY_REFRESH_SECONDS have passed since B read the keys, B signs with the new ones.
    b.clock.advanceSeconds(1);
    const fromB = await humhub(b, email);
    expect(headerOf(fromB).kid).toBe(kids.humhub);
    expect(headerOf(await privacyidea(b, email)).kid).toBe(kids.privacyidea);
    expect((await a.app.inject({ url: '/api/v1/auth/current', headers: bearer(fromB) })).statusCode).toBe(200);
    const fromA = await humhub(a, email);
    expect((await b.app.inject({ url: '/api/v1/auth/current', headers: bearer(fromA) })).statusCode).toBe(200);
  });
});
