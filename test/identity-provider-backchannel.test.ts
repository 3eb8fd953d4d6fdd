import { describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import {
  admin,
  authorize,
  codeFlow,
  exchange,
  newUser,
  nextLogout,
  oidc,
  sessionsOf,
  signIn,
  ssoSessionOf,
  useIdp,
  useLogoutReceiver,
} from './helpers/idp.js';

describe.each(DATABASES)('back-channel logout when the provider ends a grant on %s', (db) => {
  const idp = useIdp(db);
  const rp = useLogoutReceiver();

  it('tells the client when a reused refresh token ends its grant (reuse detection)', async () => {
    const { client, config, u, tokens } = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    // The spent token again: a thief's copy, or the client's after the thief's use. The whole grant ends.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
    const logout = await nextLogout(idp, rp, client.id);
    expect(logout.sub).toBe(u.id);
    expect(logout.sid).toBe(tokens.claims()!.sid);
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toThrow();
  });

  it('tells the client when it revokes its refresh token (RFC 7009), which ends the grant', async () => {
    const { client, config, tokens } = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    const logout = await nextLogout(idp, rp, client.id);
    expect(logout.sid).toBe(tokens.claims()!.sid);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('keeps the provider session and the consent when the same account signs in again at prompt=login', async () => {
    const t = idp.app();
    const first = await signIn(idp, { client: { trusted: false, backchannel_logout_uri: rp.url() } });
    expect(first.flow.pages.some((p) => p.includes('id="allow"'))).toBe(true);
    const before = await ssoSessionOf(first.browser, idp.server());
    const again = await codeFlow(first.config, first.browser, first.u, { extra: { prompt: 'login' } });
    // Bug guarded: proving the password again ended the client's grant, so an untrusted client asked for consent again.
    expect(again.pages).toHaveLength(1);
    expect(again.pages[0]).toContain('id="password-login"');
    const tokens = await exchange(first.config, again);
    expect(tokens.claims()!.sid).toBe(first.tokens.claims()!.sid);
    // The old sign-on session ended all the same, replaced by the new one; the grant goes on.
    const after = await ssoSessionOf(first.browser, idp.server());
    expect(after).not.toBe(before);
    const sessions = await sessionsOf(t, first.u.id!);
    expect(sessions.filter((s) => s.door === 'sso').map((s) => s.id)).toEqual([after]);
    expect(sessions.filter((s) => s.door === 'oidc')).toHaveLength(1);
    expect((await oidc.refreshTokenGrant(first.config, first.tokens.refresh_token!)).access_token).toBeTruthy();
    // Its client was told nothing: the next logout token is another client's.
    const other = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    const grant = (await sessionsOf(t, other.u.id!)).find((s) => s.door === 'oidc')!;
    await t.request({ method: 'DELETE', url: `/admin/users/${other.u.id}/sessions/${grant.id}`, headers: admin });
    expect((await nextLogout(idp, rp)).aud).toBe(other.client.id);
    // Ending the new sign-on ends the kept provider session: its client is told with the same sid.
    await t.request({ method: 'DELETE', url: `/admin/users/${first.u.id}/sessions/${after}`, headers: admin });
    expect((await nextLogout(idp, rp, first.client.id)).sid).toBe(first.tokens.claims()!.sid);
  });

  it('expires a re-authentication page whose sign-on an admin ended meanwhile; the next sign-in works', async () => {
    const t = idp.app();
    const first = await signIn(idp, { client: { backchannel_logout_uri: rp.url() } });
    const before = await ssoSessionOf(first.browser, idp.server());
    const page = await authorize(first.config, first.browser, { prompt: 'login' });
    expect(page.html).toContain('id="password-login"');
    const res = await t.request({
      method: 'DELETE',
      url: `/admin/users/${first.u.id}/sessions/${before}`,
      headers: admin,
    });
    expect(res.statusCode).toBe(204);
    expect((await nextLogout(idp, rp, first.client.id)).sid).toBe(first.tokens.claims()!.sid);
    // The interaction belonged to the provider session that ended with the sign-on: a page, never a server error.
    const form = { identifier: first.u.email, password: first.u.password };
    const done = await first.browser.post(page.forms[0]!, form, 'http://rp.test/callback');
    expect(done.status).toBe(400);
    expect(done.html).toContain('Sign-in expired');
    const again = await codeFlow(first.config, first.browser, first.u);
    expect(again.pages).toHaveLength(1);
    const tokens = await exchange(first.config, again);
    expect(tokens.claims()!.sid).not.toBe(first.tokens.claims()!.sid);
  });

  it('ends the previous sign-on when another account signs in at prompt=login: its grants, with a logout token', async () => {
    const t = idp.app();
    const first = await signIn(idp, { client: { trusted: false, backchannel_logout_uri: rp.url() } });
    const before = await ssoSessionOf(first.browser, idp.server());
    const u2 = await newUser(t);
    const again = await codeFlow(first.config, first.browser, u2, { extra: { prompt: 'login' } });
    // The password, then the consent: this account never consented to the client.
    expect(again.pages).toHaveLength(2);
    expect(again.pages[1]).toContain('id="allow"');
    const tokens = await exchange(first.config, again);
    expect(tokens.claims()!.sub).toBe(u2.id);
    const logout = await nextLogout(idp, rp, first.client.id);
    expect(logout.sub).toBe(first.u.id);
    expect(logout.sid).toBe(first.tokens.claims()!.sid);
    expect(tokens.claims()!.sid).not.toBe(first.tokens.claims()!.sid);
    expect((await sessionsOf(t, first.u.id!)).map((s) => s.id)).not.toContain(before);
    const after = await ssoSessionOf(first.browser, idp.server());
    expect((await sessionsOf(t, u2.id)).filter((s) => s.door === 'sso').map((s) => s.id)).toEqual([after]);
    await expect(oidc.refreshTokenGrant(first.config, first.tokens.refresh_token!)).rejects.toThrow();
    expect((await oidc.refreshTokenGrant(first.config, tokens.refresh_token!)).access_token).toBeTruthy();
  });
});

describe.each(DATABASES)('back-channel logout to a pairwise client on %s', (db) => {
  const idp = useIdp(db, () => ({ OIDC_PAIRWISE_SALT: 'a pairwise salt of at least thirty-two characters' }));
  const rp = useLogoutReceiver();

  it('names the user by the pairwise sub the client knows, not the user id', async () => {
    const t = idp.app();
    const u = await newUser(t);
    const { client, tokens } = await signIn(idp, { user: u, client: { backchannel_logout_uri: rp.url() } });
    const sub = tokens.claims()!.sub;
    expect(sub).not.toBe(u.id);
    const res = await t.request({ method: 'POST', url: `/admin/users/${u.id}/disable`, headers: admin });
    expect(res.statusCode).toBe(204);
    const logout = await nextLogout(idp, rp, client.id);
    expect(logout.sub).toBe(sub);
  });
});
