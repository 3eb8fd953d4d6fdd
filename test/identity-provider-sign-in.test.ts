import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { PASSWORD, register } from './helpers/auth.js';
import {
  admin,
  authorize,
  codeFlow,
  createBrowser,
  createClient,
  oidc,
  relyingParty,
  useIdp,
  exchange,
} from './helpers/idp.js';

describe.each(DATABASES)('pairwise subject identifiers and max_age on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_PAIRWISE_SALT: 'a salt of the installation, kept secret' }));

  async function subOf(redirect: string, u: { email: string; password: string }, browser = createBrowser()) {
    const t = idp.app();
    const config = await relyingParty(
      idp.server(),
      await createClient(t, { trusted: true, redirect_uris: [redirect] }),
    );
    const flow = await codeFlow(config, browser, u, { redirect });
    const tokens = await exchange(config, flow);
    const sub = tokens.claims()!.sub;
    expect((await oidc.fetchUserInfo(config, tokens.access_token, sub)).sub).toBe(sub);
    return sub;
  }

  it('gives each client (sector) its own stable sub, never the user id', async () => {
    const session = await register(idp.app());
    const u = { email: session.user.email, password: PASSWORD };
    const a = await subOf('http://one.test/callback', u);
    const b = await subOf('http://two.test/callback', u);
    expect(a).not.toBe(b);
    expect([a, b]).not.toContain(session.user.id);
    expect(await subOf('http://one.test/callback', u)).toBe(a);
  });

  it('asks for the password again when max_age has passed (max_age=0)', async () => {
    const t = idp.app();
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const session = await register(t);
    const u = { email: session.user.email, password: PASSWORD };
    const browser = createBrowser();
    await codeFlow(config, browser, u);
    expect((await codeFlow(config, browser, u)).pages).toHaveLength(0);
    const again = await codeFlow(config, browser, u, { extra: { max_age: '0' } });
    expect(again.pages).toHaveLength(1);
    const tokens = await oidc.authorizationCodeGrant(config, again.callback, {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      maxAge: 0,
    });
    expect(tokens.claims()!.auth_time).toBeGreaterThan(0);
  });
});

describe.each(DATABASES)('realms on the sign-in page on %s', (db) => {
  const idp = useIdp(db);

  it('offers the realms, and a sign-in in another realm than the account’s fails like a wrong password', async () => {
    const t = idp.app();
    for (const name of ['staff', 'partners'])
      expect(
        (await t.request({ method: 'POST', url: '/admin/realms', headers: admin, payload: { name } })).statusCode,
      ).toBe(201);
    const email = `realm-${Date.now()}@example.com`;
    const created = await t.request({
      method: 'POST',
      url: '/admin/users',
      headers: admin,
      payload: { email, password: PASSWORD, realm: 'staff' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const config = await relyingParty(idp.server(), await createClient(t, { trusted: true }));
    const wrong = createBrowser();
    const page = await authorize(config, wrong);
    expect(page.html).toContain('<option value="partners">');
    const refused = await wrong.post(page.forms[0]!, { identifier: email, password: PASSWORD, realm: 'partners' });
    expect(refused.status).toBe(401);
    const right = createBrowser();
    const done = await right.post(
      (await authorize(config, right)).forms[0]!,
      { identifier: email, password: PASSWORD, realm: 'staff' },
      'http://rp.test/callback',
    );
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
  });
});
