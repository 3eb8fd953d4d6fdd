import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { PASSWORD, register } from './helpers/auth.js';
import { createBrowser, useIdp } from './helpers/idp.js';
import { startForwardAuthNginx } from './helpers/nginx.js';

/** The app behind the proxy: answers what it was asked, as JSON. */
function useUpstream() {
  let server: Server | undefined;
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));
  return () => (server!.address() as { port: number }).port;
}

describe.each(DATABASES)('forward-auth under attack on %s', (db) => {
  const idp = useIdp(db, () => ({
    FORWARD_AUTH_ENABLED: 'true',
    FORWARD_AUTH_DOMAINS: 'apps.example',
    FORWARD_AUTH_ROLES: 'admin.apps.example=admin',
  }));
  const upstream = useUpstream();
  let nginx: Awaited<ReturnType<typeof startForwardAuthNginx>> | undefined;
  beforeAll(async () => {
    nginx = await startForwardAuthNginx(idp.server(), upstream());
  });
  afterAll(async () => nginx?.stop());

  /** The sign-on cookie of a new user (role `user` only) signed in at forward-auth's page. */
  async function signedOnCookie() {
    const session = await register(idp.app());
    const browser = createBrowser();
    const form = await browser.get(`${idp.server()}/auth/forward/signin`);
    await browser.post(form.forms[0]!, { identifier: session.user.email, password: PASSWORD });
    return browser.jar.getCookieString(idp.server());
  }

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
