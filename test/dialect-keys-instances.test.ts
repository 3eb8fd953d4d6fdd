import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { PASSWORD, bearer, headerOf, uniqueEmail } from './helpers/auth.js';
import type { TestClock } from './helpers/clock.js';
import { type Cluster, type Instance, startInstances } from './helpers/instances.js';

const ADMIN_SECRET = 'an-admin-secret-long-enough-for-the-check-0123';
const REFRESH_SECONDS = 5;

/**
 * Two instances on one database with KEY_REFRESH_SECONDS=5 (each its own clock, moved by hand). The dialects' key
 * rings used to re-read the keys table every 30 s whatever KEY_REFRESH_SECONDS said: B went on signing HumHub and
 * privacyIDEA tokens with a key A had retired for half a minute, beyond the bound the operator configured.
 */
describe.each(DATABASES)("the dialects' key rings across instances on %s", (db) => {
  let cluster: Cluster<TestClock>;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    cluster = await startInstances(db, 2, { ADMIN_SECRET, KEY_REFRESH_SECONDS: String(REFRESH_SECONDS) });
    [a, b] = [cluster.apps[0]!, cluster.apps[1]!];
  }, 60_000);
  afterAll(() => cluster?.close());

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
