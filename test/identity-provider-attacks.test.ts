import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { admin, authorize, createBrowser, createClient, newUser, relyingParty, useIdp } from './helpers/idp.js';

const TOKEN = 'initial-access-token-of-32-characters-or-more';

describe.each(DATABASES)('dynamic registration under attack on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_REGISTRATION_TOKEN: TOKEN }));
  const post = (url: string, body: unknown, token: string, method = 'POST') =>
    fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** A code-flow client registered with the initial access token, plus `extra` metadata. */
  async function registered(extra: Record<string, unknown> = {}) {
    const res = await post(`${idp.server()}/oidc/reg`, { redirect_uris: ['http://rp.test/callback'], ...extra }, TOKEN);
    const body = (await res.json()) as Record<string, unknown>;
    return { res, body, id: String(body.client_id), uri: String(body.registration_client_uri) };
  }

  // Bug: a registration Gatehouse's own checks refuse (and oidc-provider's do not) answered 500 server_error.
  it('refuses a public client_credentials client with invalid_client_metadata, at registration and update', async () => {
    const cc = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
    const created = await post(`${idp.server()}/oidc/reg`, { ...cc, token_endpoint_auth_method: 'none' }, TOKEN);
    expect(created.status).toBe(400);
    expect(((await created.json()) as { error: string }).error).toBe('invalid_client_metadata');
    const { id, uri, body } = await registered();
    const update = { client_id: id, ...cc, token_endpoint_auth_method: 'none' };
    const updated = await post(uri, update, String(body.registration_access_token), 'PUT');
    expect(updated.status).toBe(400);
    expect(((await updated.json()) as { error: string }).error).toBe('invalid_client_metadata');
  });

  // Attack: a client registering itself as trusted (no consent screen) with roles of its choosing. It was never
  // stored so, but the answer said it was.
  it('does not let a registering client make itself trusted or give itself allowed roles', async () => {
    const { res, body, id } = await registered({ 'urn:gatehouse:trusted': true, 'urn:gatehouse:allowed_roles': ['x'] });
    expect(res.status).toBe(201);
    expect(body['urn:gatehouse:trusted']).toBeUndefined();
    expect(body['urn:gatehouse:allowed_roles']).toBeUndefined();
    const row = await idp.app().app.services.queries.oidcClients.find(id);
    expect({ trusted: row?.trusted, roles: row?.allowedRoles }).toEqual({ trusted: false, roles: [] });
  });

  // Attack: an admin limits a registered client to some roles; the client's own update (RFC 7592) wiped the list, and
  // an empty list shows the client every role of every user.
  it("keeps the allowed roles and trust an admin set through the client's own update", async () => {
    const t = idp.app();
    const { id, uri, body } = await registered();
    const set = await t.request({
      method: 'PUT',
      url: `/admin/oidc/clients/${id}`,
      headers: admin,
      payload: { name: 'Limited', redirect_uris: ['http://rp.test/callback'], allowed_roles: ['staff'], trusted: true },
    });
    expect(set.statusCode).toBe(200);
    const update = {
      client_id: id,
      redirect_uris: ['http://rp.test/callback'],
      'urn:gatehouse:allowed_roles': [],
      'urn:gatehouse:trusted': false,
    };
    expect((await post(uri, update, String(body.registration_access_token), 'PUT')).status).toBe(200);
    const row = await t.app.services.queries.oidcClients.find(id);
    expect({ trusted: row?.trusted, roles: row?.allowedRoles }).toEqual({ trusted: true, roles: ['staff'] });
    // And it still refuses a user without the role.
    const secret = String(body.client_secret);
    const config = await relyingParty(idp.server(), { id, secret });
    const u = await newUser(t);
    const browser = createBrowser();
    const page = await authorize(config, browser);
    const done = await browser.post(page.forms[0]!, { identifier: u.email, password: u.password }, 'http://rp.test/');
    expect(new URL(done.url).searchParams.get('error')).toBe('access_denied');
  });
});

describe.each(DATABASES)('the device flow under attack on %s', (db) => {
  const idp = useIdp(db, () => ({ RATE_LIMIT_AUTH_PER_IP: '5' }));

  // Attack: guessing a live user code (RFC 8628 5.1) on the page where one is entered; it had no limit at all.
  it('limits the user codes one IP may try (429 past RATE_LIMIT_AUTH_PER_IP)', async () => {
    const page = await fetch(`${idp.server()}/oidc/device`);
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const guess = (code: string) =>
      fetch(`${idp.server()}/oidc/device`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ xsrf, user_code: code }).toString(),
      });
    const statuses: number[] = [];
    for (const code of ['BCDF-GHJK', 'BCDF-GHJL', 'BCDF-GHJM', 'BCDF-GHJN', 'BCDF-GHJP', 'BCDF-GHJQ'])
      statuses.push((await guess(code)).status);
    expect(statuses.slice(0, 5).every((s) => s < 429)).toBe(true);
    expect(statuses[5]).toBe(429);
    // The page itself (GET) stays readable.
    expect((await fetch(`${idp.server()}/oidc/device`)).status).toBe(200);
  });
});

describe.each(DATABASES)('an https issuer behind a TLS-terminating proxy on %s', (db) => {
  const get = useTestApp(db, {
    SERVER_URL: 'https://auth.example',
    ADMIN_SECRET: 'an admin secret of at least 32 characters',
    OIDC_ENABLED: 'true',
  });

  // Bug guarded: the proxy speaks plain HTTP to Gatehouse, and without TRUST_PROXY oidc-provider judged the request
  // insecure: its interaction and session cookies went out without Secure (and Chrome refuses SameSite=None without).
  it("marks the provider's cookies Secure, whatever the request names", async () => {
    const t = get();
    const client = await createClient(t, { trusted: true });
    const query = new URLSearchParams({
      client_id: client.id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'http://rp.test/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const res = await t.request({
      url: `/oidc/auth?${query}`,
      headers: { host: 'evil.example', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example' },
    });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers.location)).toMatch(/^\/oidc\/interaction\//);
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies.filter((c) => c.startsWith('_interaction')).length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('; secure');
  });
});

describe.each(DATABASES)('the device page posted with no provider session on %s', (db) => {
  const idp = useIdp(db);

  // Bug: a script posting a user code straight away (no page read first, or an expired cookie) got 500: the error
  // page gave the new provider session a form secret, which oidc-provider then refused to persist.
  it('answers the page again with 400, never 500', async () => {
    const res = await fetch(`${idp.server()}/oidc/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: 'x', user_code: 'BCDF-GHJK' }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('name="user_code"');
  });
});
