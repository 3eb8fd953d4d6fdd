import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { PASSWORD, bearer, uniqueEmail } from './helpers/auth.js';

const SERVER = 'https://auth.example.com';
const APP = 'https://app.example.com';
/** A sibling of SERVER_URL: the same site, another origin (any subdomain the attacker controls). */
const SIBLING = 'https://evil.example.com';

type Headers = Record<string, string>;

/** What a browser sends with a request from each kind of page, and whether a cookie may sign that write in. */
const MATRIX: [string, Headers, boolean][] = [
  ['a page of SERVER_URL (Origin)', { origin: SERVER, 'sec-fetch-site': 'same-origin' }, true],
  ['a page of a CORS_ORIGINS origin', { origin: APP, 'sec-fetch-site': 'same-site' }, true],
  [
    'a sibling origin of the same site (Sec-Fetch-Site: same-site)',
    { origin: SIBLING, 'sec-fetch-site': 'same-site' },
    false,
  ],
  ['another site', { origin: 'https://evil.example.net', 'sec-fetch-site': 'cross-site' }, false],
  ['an opaque origin (sandboxed frame, Origin: null)', { origin: 'null', 'sec-fetch-site': 'cross-site' }, false],
  ['a page of SERVER_URL without Origin (Referer only)', { referer: `${SERVER}/settings` }, true],
  ['a sibling origin without Origin (Referer only)', { referer: `${SIBLING}/attack.html` }, false],
  ['a browser that hid both, but says same-site', { 'sec-fetch-site': 'same-site' }, false],
  ['a browser that hid both, but says cross-site', { 'sec-fetch-site': 'cross-site' }, false],
  ['a browser that hid both, and says same-origin', { 'sec-fetch-site': 'same-origin' }, true],
  ['a client that is not a browser (no Origin, Referer or Sec-Fetch-Site)', {}, true],
];

const cookieHeader = (setCookie: string | string[] | undefined) =>
  ([] as string[])
    .concat(setCookie ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');

describe.each(DATABASES)('cross-site writes with cookie credentials on %s', (db) => {
  const get = useTestApp(db, { SERVER_URL: SERVER, CORS_ORIGINS: APP, COOKIE_SECURE: 'false' });

  /** A cookie-mode session: the refresh and permission_variables cookies, as a browser would hold them. */
  async function cookieSession() {
    const t = get();
    const email = uniqueEmail('csrf');
    await t.request({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } });
    const res = await t.request({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password: PASSWORD, cookie: true },
    });
    expect(res.statusCode).toBe(200);
    const access = await t.request({
      url: '/auth/token/refresh',
      headers: { cookie: cookieHeader(res.headers['set-cookie']) },
    });
    expect(access.statusCode).toBe(200);
    return { cookie: cookieHeader(access.headers['set-cookie']), jwt: access.json().jwt_token as string };
  }

  it.each(MATRIX)(
    'the permission cookie mints a personal token from %s only when allowed',
    async (_from, headers, allowed) => {
      const t = get();
      const { cookie, jwt } = await cookieSession();
      const res = await t.request({
        method: 'POST',
        url: '/auth/tokens',
        headers: { cookie, ...headers },
        payload: { name: 'ci' },
      });
      expect(res.statusCode).toBe(allowed ? 201 : 401);
      const tokens = await t.request({ url: '/auth/tokens', headers: bearer(jwt) });
      expect(tokens.json()).toHaveLength(allowed ? 1 : 0);
    },
  );

  it.each(MATRIX)(
    'the refresh cookie revokes every session from %s only when allowed',
    async (_from, headers, allowed) => {
      const t = get();
      const { cookie, jwt } = await cookieSession();
      const res = await t.request({ method: 'POST', url: '/auth/token/revoke', headers: { cookie, ...headers } });
      expect(res.statusCode).toBe(allowed ? 204 : 401);
      const me = await t.request({ url: '/auth/user', headers: bearer(jwt) });
      expect(me.statusCode).toBe(allowed ? 401 : 200);
    },
  );

  it('a sibling origin cannot log the user out with the refresh cookie (logout CSRF)', async () => {
    const t = get();
    const { cookie, jwt } = await cookieSession();
    const headers = { cookie, origin: SIBLING, 'sec-fetch-site': 'same-site' };
    const res = await t.request({ method: 'POST', url: '/auth/logout', headers, payload: {} });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt) })).statusCode).toBe(200);
    const own = await t.request({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie, origin: SERVER },
      payload: {},
    });
    expect(own.statusCode).toBe(204);
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt) })).statusCode).toBe(401);
  });

  it('a sibling origin cannot request an email change with the permission cookie', async () => {
    const t = get();
    const { cookie } = await cookieSession();
    const headers = { cookie, origin: SIBLING, 'sec-fetch-site': 'same-site' };
    const payload = { new_email: uniqueEmail('attacker') };
    const res = await t.request({ method: 'POST', url: '/auth/change-email', headers, payload });
    expect(res.statusCode).toBe(401);
  });

  it('reads are still signed in by the cookie from any page (GET is not a write)', async () => {
    const t = get();
    const { cookie } = await cookieSession();
    const res = await t.request({
      url: '/auth/user',
      headers: { cookie, origin: SIBLING, 'sec-fetch-site': 'same-site' },
    });
    expect(res.statusCode).toBe(200);
  });
});
