import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../src/core/clock.js';
import { DATABASES } from './helpers/app.js';
import { PASSWORD, uniqueEmail } from './helpers/auth.js';
import { ADMIN_SECRET, admin, codeFlow, createBrowser, exchange, oidc } from './helpers/idp.js';
import { type Cluster, type Instance, startInstances } from './helpers/instances.js';
import { freePort } from './helpers/ports.js';

type App = Instance<Clock>['app'];

/** Polls `seen` until it holds, at most `tries` times: a bound, not a time the test asserts. */
async function eventually(seen: () => Promise<boolean>, tries = 300): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await seen()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * Two instances of one issuer on one database, with the real clock and KEY_REFRESH_SECONDS=1: A rotates the
 * provider's signing key, B picks it up by re-reading the keys table (no restart, no message between them).
 */
describe.each(DATABASES)('the identity provider’s key rotation across instances on %s', (db) => {
  let cluster: Cluster<Clock>;
  let a: App;
  let b: App;
  let server: string;

  beforeAll(async () => {
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    const env = { ADMIN_SECRET, SERVER_URL: server, OIDC_ENABLED: 'true', KEY_REFRESH_SECONDS: '1' };
    cluster = await startInstances(db, 2, env, () => systemClock);
    [a, b] = cluster.apps.map((i) => i.app) as [App, App];
    await a.listen({ port, host: '127.0.0.1' });
  }, 60_000);
  afterAll(() => cluster?.close());

  const kidsAt = async (app: App) =>
    ((await app.inject({ url: '/oidc/jwks' })).json().keys as { kid: string }[]).map((k) => k.kid);

  it('B publishes the key A rotated to, and accepts an ID token signed with it, within its re-read interval', async () => {
    const before = await kidsAt(b);
    const rotated = await a.inject({ method: 'POST', url: '/admin/keys/rotate', headers: admin, payload: {} });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const kid = rotated.json().oidc.kid as string;
    expect(before).not.toContain(kid);

    // An ID token from A, signed with the new key at once.
    const created = await a.inject({
      method: 'POST',
      url: '/admin/oidc/clients',
      headers: admin,
      payload: { name: 'App', trusted: true, redirect_uris: ['http://rp.test/callback'] },
    });
    const client = created.json() as { client: { client_id: string }; client_secret: string };
    const config = await oidc.discovery(
      new URL(server),
      client.client.client_id,
      undefined,
      oidc.ClientSecretBasic(client.client_secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const email = uniqueEmail('instances');
    const registered = await a.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password: PASSWORD },
    });
    expect(registered.statusCode).toBe(200);
    const tokens = await exchange(config, await codeFlow(config, createBrowser(), { email, password: PASSWORD }));
    expect(decodeProtectedHeader(tokens.id_token!).kid).toBe(kid);

    expect(await eventually(async () => (await kidsAt(b)).includes(kid))).toBe(true);
    // B checks the ID token as a hint of RP-initiated logout: with a key it did not know, it would refuse it.
    const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! });
    const confirm = await b.inject({ url: `${end.pathname}${end.search}` });
    expect(confirm.statusCode, confirm.body).toBe(200);
    // With no session at B there is nothing to confirm: the hint held, and the sign-out goes on.
    expect(confirm.body).toContain('/oidc/session/end/confirm');
  });
});
