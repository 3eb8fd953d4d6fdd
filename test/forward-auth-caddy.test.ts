import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { useUpstream } from './helpers/upstream.js';
import { PASSWORD, register } from './helpers/auth.js';
import { hasCaddy, startCaddy } from './helpers/caddy.js';
import { admin, createBrowser, useIdp } from './helpers/idp.js';
import { freePort } from './helpers/ports.js';

/** Caddy's `forward_auth` in front of the upstream: the configuration docs/identity-provider.md gives. */
const site = (port: number, gatehouse: string, upstream: number) => `http://127.0.0.1:${port} {
  forward_auth ${new URL(gatehouse).host} {
    uri /auth/forward?redirect=true
    copy_headers X-Auth-Request-User X-Auth-Request-Email X-Auth-Request-Groups
  }
  reverse_proxy 127.0.0.1:${upstream}
}`;

describe.skipIf(!hasCaddy).each(DATABASES)('forward-auth behind Caddy on %s', (db) => {
  const idp = useIdp(db, () => ({ FORWARD_AUTH_ENABLED: 'true', FORWARD_AUTH_DOMAINS: 'apps.example' }));
  const upstream = useUpstream();
  let caddy: Awaited<ReturnType<typeof startCaddy>> | undefined;
  let proxy = '';
  beforeAll(async () => {
    const port = await freePort();
    proxy = `http://127.0.0.1:${port}`;
    caddy = await startCaddy(port, site(port, idp.server(), upstream()));
  });
  afterAll(async () => caddy?.stop());

  it('sends a stranger to sign in, then passes the identity headers (not the client’s own) to the upstream', async () => {
    const t = idp.app();
    const session = await register(t);
    const browser = createBrowser();
    const first = await browser.get(`${proxy}/reports?year=2026`);
    expect(first.url).toBe(
      `${idp.server()}/auth/forward/signin?rd=${encodeURIComponent(`${proxy}/reports?year=2026`)}`,
    );
    expect(first.html).toContain('id="password-login"');
    const back = await browser.post(first.forms[0]!, { identifier: session.user.email, password: PASSWORD });
    expect(back.url).toBe(`${proxy}/reports?year=2026`);
    const seen = JSON.parse(back.html) as { path: string; headers: Record<string, string> };
    expect(seen.path).toBe('/reports?year=2026');
    expect(seen.headers['x-auth-request-email']).toBe(session.user.email);
    expect(seen.headers['x-auth-request-groups']).toContain('user');
    // A header the client forges is replaced by Gatehouse's (copy_headers).
    const cookie = await browser.jar.getCookieString(proxy);
    const forged = await fetch(`${proxy}/`, { headers: { cookie, 'x-auth-request-email': 'admin@evil.test' } });
    expect(((await forged.json()) as { headers: Record<string, string> }).headers['x-auth-request-email']).toBe(
      session.user.email,
    );
  });

  it('stops passing a browser once the user is disabled', async () => {
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
});
