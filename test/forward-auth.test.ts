import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { useUpstream } from './helpers/upstream.js';
import { PASSWORD, register } from './helpers/auth.js';
import { admin, createBrowser, signedOnBrowser, useIdp } from './helpers/idp.js';
import { startForwardAuthNginx } from './helpers/nginx.js';

describe.each(DATABASES)('forward-auth on %s', (db) => {
  const idp = useIdp(db, () => ({
    FORWARD_AUTH_ENABLED: 'true',
    FORWARD_AUTH_DOMAINS: 'apps.example',
    FORWARD_AUTH_ROLES: 'admin.apps.example=admin',
  }));
  const upstream = useUpstream();
  let nginx: Awaited<ReturnType<typeof startForwardAuthNginx>> | undefined;
  let proxy = '';
  beforeAll(async () => {
    nginx = await startForwardAuthNginx(idp.server(), upstream());
    proxy = nginx.url;
  });
  afterAll(async () => nginx?.stop());

  it('nginx sends a stranger to sign in, then passes the identity headers to the upstream', async () => {
    const t = idp.app();
    const session = await register(t);
    const browser = createBrowser();
    const first = await browser.get(`${proxy}/reports?year=2026`);
    expect(first.url).toBe(`${idp.server()}/auth/forward/signin?rd=${proxy}/reports?year=2026`);
    expect(first.html).toContain('id="password-login"');
    const back = await browser.post(first.forms[0]!, { identifier: session.user.email, password: PASSWORD });
    expect(back.url).toBe(`${proxy}/reports?year=2026`);
    const seen = JSON.parse(back.html) as { path: string; headers: Record<string, string> };
    expect(seen.path).toBe('/reports?year=2026');
    expect(seen.headers['x-auth-request-email']).toBe(session.user.email);
    expect(seen.headers['x-auth-request-user']).toBeTruthy();
    expect(seen.headers['x-auth-request-groups']).toContain('user');
  });

  it('stops passing a browser whose sessions ended (logout-all reaches forward-auth)', async () => {
    const t = idp.app();
    const session = await register(t);
    const browser = createBrowser();
    const first = await browser.get(`${proxy}/`);
    await browser.post(first.forms[0]!, { identifier: session.user.email, password: PASSWORD });
    expect((await browser.get(`${proxy}/`)).url).toBe(`${proxy}/`);
    const res = await t.request({ method: 'POST', url: `/admin/users/${session.user.id}/disable`, headers: admin });
    expect(res.statusCode).toBe(204);
    expect((await browser.get(`${proxy}/`)).url).toContain('/auth/forward/signin');
  });

  it('answers 401, or with ?redirect=true a 302 to sign-in for allow-listed hosts only (no open redirect)', async () => {
    const t = idp.app();
    const ask = (headers: Record<string, string>, redirect = true) =>
      t.request({ url: `/auth/forward${redirect ? '?redirect=true' : ''}`, headers });
    expect((await ask({ 'x-original-url': 'https://wiki.apps.example/page' }, false)).statusCode).toBe(401);
    const traefik = await ask({
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'wiki.apps.example',
      'x-forwarded-uri': '/page?x=1',
    });
    expect(traefik.statusCode).toBe(302);
    expect(traefik.headers.location).toBe(
      `${idp.server()}/auth/forward/signin?rd=${encodeURIComponent('https://wiki.apps.example/page?x=1')}`,
    );
    for (const host of ['evil.test', 'apps.example.evil.test', 'evilapps.example'])
      expect((await ask({ 'x-forwarded-host': host, 'x-forwarded-uri': '/' })).statusCode).toBe(401);
    // The sign-in form itself sends nobody to a host off the list.
    const session = await register(t);
    const browser = createBrowser();
    const form = await browser.get(
      `${idp.server()}/auth/forward/signin?rd=${encodeURIComponent('https://evil.test/')}`,
    );
    const done = await browser.post(form.forms[0]!, { identifier: session.user.email, password: PASSWORD });
    expect(done.status).toBe(200);
    expect(done.url.startsWith(idp.server())).toBe(true);
  });

  it('applies per-host role rules (403 without the role)', async () => {
    const t = idp.app();
    const browser = await signedOnBrowser(idp);
    const cookie = await browser.jar.getCookieString(idp.server());
    const at = (host: string) => t.request({ url: '/auth/forward', headers: { cookie, 'x-forwarded-host': host } });
    expect((await at('wiki.apps.example')).statusCode).toBe(200);
    expect((await at('admin.apps.example')).statusCode).toBe(403);
  });

  // Bugs: a host spelled with a trailing dot or a port that is no number matched no rule and passed; an X-Original-URL
  // that did not parse answered 500 (`new URL` threw) for a signed-in browser.
  it('applies the role rules to every spelling of the host, and refuses a target it cannot read', async () => {
    const t = idp.app();
    const browser = await signedOnBrowser(idp);
    const cookie = await browser.jar.getCookieString(idp.server());
    const ask = (headers: Record<string, string>) =>
      t.request({ url: '/auth/forward', headers: { cookie, ...headers } });
    for (const host of ['admin.apps.example.', 'ADMIN.apps.example.:443', 'admin.apps.example:x'])
      expect((await ask({ 'x-forwarded-host': host })).statusCode, host).toBe(403);
    for (const url of ['https://admin.apps.example./', 'https://admin.apps.example:x/', 'not a url', 'http://[::1'])
      expect((await ask({ 'x-original-url': url })).statusCode, url).toBe(403);
    expect((await ask({ 'x-original-url': 'https://wiki.apps.example:x/page' })).statusCode).toBe(200);
    // Attack: a request that names no host at all (no X-Original-URL, no X-Forwarded-Host) passed the rules.
    expect((await ask({})).statusCode).toBe(403);
  });

  it('tells a browser signed on without a return address so, and signs it out from there', async () => {
    const browser = await signedOnBrowser(idp);
    const again = await browser.get(`${idp.server()}/auth/forward/signin`);
    expect(again.status).toBe(200);
    expect(again.html).toContain('You are signed in.');
    expect(again.html).not.toContain('id="password-login"');
    const out = await browser.post(again.forms[0]!, {});
    expect(out.html).toContain('You are signed out.');
    expect((await browser.get(`${idp.server()}/auth/forward/signin`)).html).toContain('id="password-login"');
  });

  it('refuses a forged or tampered single sign-on cookie', async () => {
    const t = idp.app();
    const session = await register(t);
    const forged = `gatehouse_sso=${session.user.id}.00000000-0000-0000-0000-000000000000`;
    expect((await t.request({ url: '/auth/forward', headers: { cookie: forged } })).statusCode).toBe(401);
  });

  /** The sign-on cookie of a new user (role `user` only) signed in at forward-auth's page. */
  const signedOnCookie = async () => (await signedOnBrowser(idp)).jar.getCookieString(idp.server());

  // Attack: nginx's auth_request passes the client's own headers on to Gatehouse beside the X-Original-URL it sets;
  // a forged X-Forwarded-Host naming an open host was read before it, and the role rule of the host asked was skipped.
  it('refuses a forged X-Forwarded-Host that names another host than the one asked of nginx (role bypass)', async () => {
    const cookie = await signedOnCookie();
    // fetch() cannot send a Host header of its own choosing: node:http can.
    const at = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${nginx!.url}/secret`, { headers: { cookie, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject).end();
      });
    expect(await at({ host: 'wiki.apps.example' })).toBe(200);
    expect(await at({ host: 'admin.apps.example' })).toBe(403);
    expect(await at({ host: 'admin.apps.example', 'x-forwarded-host': 'wiki.apps.example' })).toBe(403);
  });

  // Attack: behind Traefik or Caddy (which set X-Forwarded-Host), a forged X-Original-URL naming an open host.
  it('refuses a forged X-Original-URL beside the proxy X-Forwarded-Host (role bypass)', async () => {
    const cookie = await signedOnCookie();
    const res = await idp.app().request({
      url: '/auth/forward',
      headers: {
        cookie,
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'admin.apps.example',
        'x-forwarded-uri': '/',
        'x-original-url': 'https://wiki.apps.example/',
      },
    });
    expect(res.statusCode).toBe(403);
  });
});
