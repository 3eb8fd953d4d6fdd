import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { bearer, logoutAll, PASSWORD } from './helpers/auth.js';
import {
  admin,
  codeFlow,
  createBrowser,
  exchange,
  newUser,
  nextLogout,
  oidc,
  sessionsOf,
  signIn,
  ssoSessionOf,
  type Idp,
  type LogoutReceiver,
  useIdp,
  useLogoutReceiver,
} from './helpers/idp.js';

type SignedIn = Awaited<ReturnType<typeof signIn>>;

/** The logout tokens of `count` clients, by client id (their order is not fixed: they are posted at once). */
async function logoutsOf(idp: Idp, rp: LogoutReceiver, count: number) {
  const byClient = new Map<string, { sub?: string; sid?: unknown }>();
  for (let i = 0; i < count; i++) {
    const token = await nextLogout(idp, rp);
    byClient.set(String(token.aud), { sub: token.sub, sid: token.sid });
  }
  return byClient;
}

/** The logout token `grant`'s client must have received: its own pairwise `sub` and the `sid` of its ID token. */
const expected = (grant: SignedIn) => ({ sub: grant.tokens.claims()!.sub, sid: grant.tokens.claims()!.sid });

/** Whether a grant still refreshes. */
const refreshes = (grant: SignedIn) =>
  oidc.refreshTokenGrant(grant.config, grant.tokens.refresh_token!).then(
    () => true,
    () => false,
  );

// Every client is pairwise here: the logout token must carry the `sub` that client knows, not the user id.
describe.each(DATABASES)('ending a browser’s sign-on session tells the clients signed in through it on %s', (db) => {
  const idp = useIdp(db, () => ({
    FORWARD_AUTH_ENABLED: 'true',
    OIDC_PAIRWISE_SALT: 'a pairwise salt of at least thirty-two characters',
  }));
  const rp = useLogoutReceiver();
  const withLogout = () => ({ backchannel_logout_uri: rp.url() });

  /** A user signed in to two clients in one browser (one sign-on), and to a third in another browser. */
  async function twoBrowsers() {
    const u = await newUser(idp.app());
    const browser = createBrowser();
    const one = await signIn(idp, { user: u, browser, client: withLogout() });
    const two = await signIn(idp, { user: u, browser, client: withLogout() });
    expect(two.flow.pages).toHaveLength(0); // the sign-on: no form
    const elsewhere = await signIn(idp, { user: u, client: withLogout() });
    return { u, browser, one, two, elsewhere, sso: await ssoSessionOf(browser, idp.server()) };
  }

  it('tells each client of the browser, with its own sid, when the user signs out at /auth/forward/signout', async () => {
    const t = idp.app();
    const { u, browser, one, two, elsewhere } = await twoBrowsers();
    // Bug guarded: signing out of Gatehouse ended the sign-on but left the clients signed in, and their grants alive.
    const out = await browser.post(`${idp.server()}/auth/forward/signout`, {});
    expect(out.status).toBe(200);
    const told = await logoutsOf(idp, rp, 2);
    expect(told.get(one.client.id)).toEqual(expected(one));
    expect(told.get(two.client.id)).toEqual(expected(two));
    expect(expected(one).sub).not.toBe(u.id);
    expect(await refreshes(one)).toBe(false);
    expect(await refreshes(two)).toBe(false);
    // The other browser's sign-in goes on: its grant is the only one left.
    expect(await refreshes(elsewhere)).toBe(true);
    expect((await sessionsOf(t, u.id)).filter((s) => s.door === 'oidc')).toHaveLength(1);
  });

  it('tells the clients when an admin ends the sign-on session alone', async () => {
    const t = idp.app();
    const { u, one, two, elsewhere, sso } = await twoBrowsers();
    const res = await t.request({ method: 'DELETE', url: `/admin/users/${u.id}/sessions/${sso}`, headers: admin });
    expect(res.statusCode).toBe(204);
    const told = await logoutsOf(idp, rp, 2);
    expect(told.get(one.client.id)).toEqual(expected(one));
    expect(told.get(two.client.id)).toEqual(expected(two));
    expect(await refreshes(one)).toBe(false);
    expect(await refreshes(elsewhere)).toBe(true);
  });

  it('keeps a grant with offline_access when the sign-on ends alone, as RP-initiated logout does', async () => {
    const t = idp.app();
    const u = await newUser(t);
    const browser = createBrowser();
    const online = await signIn(idp, { user: u, browser, client: withLogout() });
    const offline = await signIn(idp, {
      ...{ user: u, browser, client: withLogout(), scope: 'openid offline_access' },
      extra: { prompt: 'consent' },
    });
    expect(offline.tokens.scope).toContain('offline_access');
    const sso = await ssoSessionOf(browser, idp.server());
    await t.request({ method: 'DELETE', url: `/admin/users/${u.id}/sessions/${sso}`, headers: admin });
    expect((await logoutsOf(idp, rp, 1)).get(online.client.id)).toEqual(expected(online));
    expect(await refreshes(online)).toBe(false);
    // Its client asked to act while the user is away: it goes on, until every session of the user ends.
    expect(await refreshes(offline)).toBe(true);
    await t.request({ method: 'POST', url: `/admin/users/${u.id}/disable`, headers: admin });
    expect((await logoutsOf(idp, rp, 1)).get(offline.client.id)).toEqual(expected(offline));
  });

  it('tells every client when the user signs out everywhere (logout-all)', async () => {
    const t = idp.app();
    const { u, one, two, elsewhere } = await twoBrowsers();
    await logoutAll(t, u.jwt);
    const told = await logoutsOf(idp, rp, 3);
    for (const grant of [one, two, elsewhere]) expect(told.get(grant.client.id)).toEqual(expected(grant));
    expect(await refreshes(elsewhere)).toBe(false);
  });

  it('tells every client when the user changes the password (the other sessions end)', async () => {
    const t = idp.app();
    const { u, one, two, elsewhere } = await twoBrowsers();
    const payload = { old_password: PASSWORD, new_password: 'another passphrase of the user' };
    const res = await t.request({ method: 'POST', url: '/auth/change-password', headers: bearer(u.jwt), payload });
    expect(res.statusCode, res.body).toBe(204);
    const told = await logoutsOf(idp, rp, 3);
    for (const grant of [one, two, elsewhere]) expect(told.get(grant.client.id)).toEqual(expected(grant));
    expect(await refreshes(one)).toBe(false);
    // The session that changed it goes on.
    const me = await t.request({ url: '/auth/user', headers: bearer(u.jwt) });
    expect(me.statusCode).toBe(200);
  });

  it('tells every client when an admin deletes the user', async () => {
    const t = idp.app();
    const { u, one, two, elsewhere } = await twoBrowsers();
    // Bug guarded: deleting a user ended their sessions with their row, and no client heard of it.
    const res = await t.request({ method: 'DELETE', url: `/admin/users/${u.id}`, headers: admin });
    expect(res.statusCode).toBe(204);
    const told = await logoutsOf(idp, rp, 3);
    for (const grant of [one, two, elsewhere]) expect(told.get(grant.client.id)).toEqual(expected(grant));
    expect(await refreshes(elsewhere)).toBe(false);
  });
});

describe.each(DATABASES)('deleting a client as an admin on %s', (db) => {
  const idp = useIdp(db);
  const rp = useLogoutReceiver();

  it('tells it of each live grant (with its sid), then ends its grants, their tokens and sessions', async () => {
    const t = idp.app();
    const first = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    const u2 = await newUser(t);
    const browser = createBrowser();
    const second = await exchange(first.config, await codeFlow(first.config, browser, u2));
    // u2's grant at another client, in the same browser, and u1's at a client with no back-channel endpoint.
    const kept = await signIn(idp, { user: u2, browser, client: { backchannel_logout_uri: rp.url() } });
    const silent = await signIn(idp, { user: first.u, browser: first.browser });
    const ended = await signIn(idp, { user: first.u, browser: first.browser });
    for (const clientId of [first.client.id, ended.client.id]) {
      const res = await t.request({ method: 'DELETE', url: `/admin/oidc/clients/${clientId}`, headers: admin });
      expect(res.statusCode).toBe(204);
    }
    // Bug guarded: the client went, its grants (Gatehouse sessions) lived on, and it was never told.
    const told = [await nextLogout(idp, rp, first.client.id), await nextLogout(idp, rp, first.client.id)];
    expect(told.map((x) => ({ sub: x.sub, sid: x.sid }))).toEqual(
      expect.arrayContaining([
        { sub: first.u.id, sid: first.tokens.claims()!.sid },
        { sub: u2.id, sid: second.claims()!.sid },
      ]),
    );
    // u1 keeps only the grant of the client that is still there; u2 only the other client's.
    const grants = async (userId: string) => (await sessionsOf(t, userId)).filter((s) => s.door === 'oidc');
    expect(await grants(first.u.id!)).toHaveLength(1);
    expect(await grants(u2.id)).toHaveLength(1);
    expect((await oidc.tokenIntrospection(kept.config, kept.tokens.access_token)).active).toBe(true);
    expect(await refreshes(kept)).toBe(true);
    expect(await refreshes(silent)).toBe(true);
  });
});

describe.each(DATABASES)('a sign-on session that expires on %s', (db) => {
  const idp = useIdp(db);
  const rp = useLogoutReceiver();
  const withLogout = () => ({ backchannel_logout_uri: rp.url() });
  const HOUR = 3_600_000;

  it('ends the grants signed in through it and tells their clients, at the next housekeeping', async () => {
    const t = idp.app();
    const u = await newUser(t);
    const browser = createBrowser();
    const first = await signIn(idp, { user: u, browser, client: withLogout() });
    t.clock.advance(HOUR);
    // An hour later, through the same sign-on (no form), and in another browser (its own sign-on).
    const later = await signIn(idp, { user: u, browser, client: withLogout() });
    expect(later.flow.pages).toHaveLength(0);
    const elsewhere = await signIn(idp, { user: u, client: withLogout() });
    // The first browser's sign-on expires (it lasts OIDC_REFRESH_TOKEN_DAYS, as the first grant, which expires with
    // it); the grant signed in through it an hour later would outlive it.
    t.clock.advance(t.app.services.config.idp.refreshTokenSeconds * 1000 - HOUR + 60_000);
    // Bug guarded: an expired sign-on left its later grants alive, and their clients were never told.
    const reports = await t.app.services.housekeeping.run();
    expect(reports.find((r) => r.table === 'expired_sign_ons')).toMatchObject({ deleted: 1, backlogSeconds: 0 });
    expect((await logoutsOf(idp, rp, 1)).get(later.client.id)).toEqual(expected(later));
    expect(await refreshes(later)).toBe(false);
    expect(await refreshes(first)).toBe(false);
    // The other browser's sign-on has an hour left: its grant goes on, and the next run finds nothing to end.
    expect(await refreshes(elsewhere)).toBe(true);
    const again = await t.app.services.housekeeping.run();
    expect(again.find((r) => r.table === 'expired_sign_ons')?.deleted).toBe(0);
  });
});
