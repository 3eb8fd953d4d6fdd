import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { bearer, PASSWORD, register } from './helpers/auth.js';

const APP = 'https://app.example.com';
const STRANGER = 'https://evil.example.net';

/** Every dialect's login route, and routes of the admin API, storage and the docs. */
const ROUTES: [string, string][] = [
  ['POST', '/auth/login'],
  ['GET', '/auth/token/refresh'],
  ['POST', '/storage/o/public/a.txt'],
  ['GET', '/admin/users'],
  ['POST', '/api/v1/auth/login'], // HumHub
  ['POST', '/api/v1/login'], // Rocket.Chat
  ['POST', '/auth'], // privacyIDEA
  ['POST', '/api/login'], // datarhei
  ['GET', '/openapi.json'],
];

describe.each(DATABASES)('CORS on %s', (db) => {
  const get = useTestApp(db, {
    CORS_ORIGINS: `${APP}, https://other.example.org`,
    SERVER_URL: 'https://auth.example.com',
  });

  // Preflights go through app.inject: OPTIONS is answered by the CORS plugin, not declared per route.
  const preflight = (url: string, method: string, origin: string) =>
    get().app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it.each(ROUTES)('answers the preflight of %s %s for a listed origin, with credentials', async (method, url) => {
    const res = await preflight(url, method, APP);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-allow-methods'])).toContain(method);
    expect(String(res.headers['access-control-allow-headers'])).toContain('authorization');
    expect(res.headers.vary).toContain('Origin');
  });

  it.each(ROUTES)('gives an unlisted origin no CORS headers on %s %s', async (method, url) => {
    const res = await preflight(url, method, STRANGER);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it("allows SERVER_URL's own origin", async () => {
    const res = await preflight('/auth/login', 'POST', 'https://auth.example.com');
    expect(res.headers['access-control-allow-origin']).toBe('https://auth.example.com');
  });

  it('lets a listed origin make a credentialed request with the refresh cookie', async () => {
    const t = get();
    const { user } = await register(t);
    const loggedIn = await t.request({
      method: 'POST',
      url: '/auth/login',
      headers: { origin: APP },
      payload: { email: user.email, password: PASSWORD, cookie: true },
    });
    expect(loggedIn.statusCode).toBe(200);
    expect(loggedIn.headers['access-control-allow-origin']).toBe(APP);
    expect(loggedIn.headers['access-control-allow-credentials']).toBe('true');
    const cookie = loggedIn.cookies.find((c) => c.name === 'refresh_token')!;
    const refreshed = await t.request({
      url: '/auth/token/refresh',
      headers: { origin: APP, cookie: `refresh_token=${cookie.value}` },
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.headers['access-control-allow-origin']).toBe(APP);
    expect(refreshed.headers['access-control-allow-credentials']).toBe('true');
    expect(refreshed.json().jwt_token).toEqual(expect.any(String));
  });

  it("lets a listed origin's script read a folder listing's paging headers", async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    for (const name of ['a.txt', 'b.txt']) {
      const url = `/storage/o/user/${user.id}/${name}`;
      const up = await t.request({
        method: 'POST',
        url,
        headers: { ...bearer(jwt_token), 'content-type': 'text/plain' },
        payload: 'x',
      });
      expect(up.statusCode).toBe(200);
    }
    const page = await t.request({
      url: `/storage/m/user/${user.id}/?limit=1`,
      headers: { ...bearer(jwt_token), origin: APP },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['x-truncated']).toBe('true');
    const exposed = String(page.headers['access-control-expose-headers']).split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['x-truncated', 'x-next-marker', 'link']));
  });

  it('answers a refused origin without CORS headers, so its browser script cannot read the reply', async () => {
    const t = get();
    const { user } = await register(t);
    const res = await t.request({
      method: 'POST',
      url: '/auth/login',
      headers: { origin: STRANGER },
      payload: { email: user.email, password: PASSWORD },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('puts CORS headers on error replies of other dialects too', async () => {
    const res = await get().request({
      method: 'POST',
      url: '/api/v1/login',
      headers: { origin: APP },
      payload: { user: 'nobody@example.com', password: 'wrong password' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe.each(DATABASES)('CORS with * on %s', (db) => {
  const get = useTestApp(db, { CORS_ORIGINS: `*,${APP}` });

  it('lets any origin call without credentials, and listed ones with them', async () => {
    const t = get();
    const open = await t.app.inject({
      method: 'OPTIONS',
      url: '/auth/login',
      headers: { origin: STRANGER, 'access-control-request-method': 'POST' },
    });
    expect(open.headers['access-control-allow-origin']).toBe('*');
    expect(open.headers['access-control-allow-credentials']).toBeUndefined();
    const listed = await t.app.inject({
      method: 'OPTIONS',
      url: '/auth/login',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect(listed.headers['access-control-allow-origin']).toBe(APP);
    expect(listed.headers['access-control-allow-credentials']).toBe('true');
  });

  it('allows /docs opened at 127.0.0.1 to call the default SERVER_URL (localhost)', async () => {
    const res = await get().app.inject({
      method: 'OPTIONS',
      url: '/auth/login',
      headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST' },
    });
    expect(res.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3000');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
});
