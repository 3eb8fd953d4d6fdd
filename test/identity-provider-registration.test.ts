import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import {
  admin,
  codeFlow,
  createBrowser,
  exchange,
  newUser,
  nextLogout,
  oidc,
  relyingParty,
  sessionsOf,
  useIdp,
  useLogoutReceiver,
} from './helpers/idp.js';

const TOKEN = 'initial-access-token-of-32-characters-or-more';

describe.each(DATABASES)('dynamic client registration on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_REGISTRATION_TOKEN: TOKEN }));
  const register = (initialAccessToken?: string) =>
    oidc.dynamicClientRegistration(
      new URL(idp.server()),
      { client_name: 'Registered', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
      undefined,
      { initialAccessToken, execute: [oidc.allowInsecureRequests] },
    );

  it('registers a client that presents the initial access token; its secret is kept as a hash', async () => {
    const config = await register(TOKEN);
    const { client_id: id, client_secret: secret } = config.clientMetadata();
    expect(typeof secret).toBe('string');
    const rp = await relyingParty(idp.server(), { id, secret: secret as string });
    expect((await oidc.clientCredentialsGrant(rp, {})).access_token).toBeTruthy();
    const row = await idp.app().app.services.queries.oidcClients.find(id);
    expect(row?.trusted).toBe(false);
    expect(JSON.stringify(row)).not.toContain(secret as string);
  });

  it('refuses a registration without the token, or with another', async () => {
    await expect(register()).rejects.toThrow();
    await expect(register('a-wrong-token-that-is-long-enough-honestly')).rejects.toThrow();
  });
});

describe.each(DATABASES)('a registered client managing its registration (RFC 7592) on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_REGISTRATION_TOKEN: TOKEN }));
  const rp = useLogoutReceiver();

  /** A code-flow client registered with the initial access token: its configuration and registration. */
  async function registered() {
    const config = await oidc.dynamicClientRegistration(
      new URL(idp.server()),
      {
        client_name: 'Self-registered',
        redirect_uris: ['http://rp.test/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        backchannel_logout_uri: rp.url(),
      },
      undefined,
      { initialAccessToken: TOKEN, execute: [oidc.allowInsecureRequests] },
    );
    const m = config.clientMetadata();
    const manage = (method: string, token: string, body?: unknown) =>
      fetch(String(m.registration_client_uri), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    return { config, id: m.client_id, token: String(m.registration_access_token), manage };
  }

  it('updates its redirect URIs with its registration token, which the update replaces', async () => {
    const { id, token, manage } = await registered();
    const res = await manage('PUT', token, {
      client_id: id,
      redirect_uris: ['http://rp.test/other'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { redirect_uris: string[]; registration_access_token: string };
    expect(body.redirect_uris).toEqual(['http://rp.test/other']);
    expect((await idp.app().app.services.queries.oidcClients.find(id))?.redirectUris).toEqual(['http://rp.test/other']);
    expect((await manage('GET', token)).status).toBe(401);
    expect((await manage('GET', body.registration_access_token)).status).toBe(200);
  });

  it('sends its secret back in an update as RFC 7592 allows, and is never answered the stored hash as its secret', async () => {
    const { config, id, token, manage } = await registered();
    const secret = String(config.clientMetadata().client_secret);
    // Bug guarded: a read answered the secret's stored SHA-256 as `client_secret`; a client saving it was locked out.
    const read = await manage('GET', token);
    const record = (await read.json()) as Record<string, unknown> & { registration_access_token: string };
    expect(read.status).toBe(200);
    expect(record).not.toHaveProperty('client_secret');
    const update = (next: string, client_secret: string) =>
      manage('PUT', next, {
        client_id: id,
        client_secret,
        redirect_uris: ['http://rp.test/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      });
    // Bug guarded: the real secret was compared with its stored hash, so every update that carried it was refused.
    const wrong = await update(record.registration_access_token, 'not the secret');
    expect([wrong.status, ((await wrong.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
    const res = await update(record.registration_access_token, secret);
    expect(res.status).toBe(200);
    expect(await res.json()).not.toHaveProperty('client_secret');
    // The secret is still the one it holds.
    const rp = await relyingParty(idp.server(), { id: String(id), secret });
    const u = await newUser(idp.app());
    expect((await exchange(rp, await codeFlow(rp, createBrowser(), u))).access_token).toBeTruthy();
  });

  it('deletes itself: each grant ends, its Gatehouse session too, and it gets its logout tokens', async () => {
    const t = idp.app();
    const { config, id, token, manage } = await registered();
    const u = await newUser(t);
    const tokens = await exchange(config, await codeFlow(config, createBrowser(), u));
    expect(await sessionsOf(t, u.id)).toEqual(expect.arrayContaining([expect.objectContaining({ door: 'oidc' })]));
    expect((await manage('DELETE', 'not-the-registration-token')).status).toBe(401);
    // Bug guarded: the client went, and its grants (Gatehouse sessions) lived on untold.
    expect((await manage('DELETE', token)).status).toBe(204);
    const logout = await nextLogout(idp, rp, id);
    expect({ sub: logout.sub, sid: logout.sid }).toEqual({ sub: u.id, sid: tokens.claims()!.sid });
    expect((await sessionsOf(t, u.id)).filter((s) => s.door === 'oidc')).toHaveLength(0);
    expect(await t.app.services.queries.oidcClients.find(id)).toBeUndefined();
    const audit = await t.request({ url: `/admin/audit?action=oidc-client.unregister`, headers: admin });
    expect(audit.json().entries.map((e: { subject: string }) => e.subject)).toContain(id);
  });
});
