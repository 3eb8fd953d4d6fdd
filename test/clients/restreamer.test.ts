import satisfies from 'semver/functions/satisfies.js';
import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { AUDIENCE, useProvider } from '../helpers/oidc-provider.js';
import { createUser, freshEmail, useServer, type LiveServer } from './harness/server.js';

// The login sequence of datarhei restreamer-ui (src/utils/restreamer.js Validate/Login/RefreshToken/LoginWithToken over
// src/utils/api.js), replayed with fetch exactly as the UI's API class sends it (see WIRE.md §5). restreamer-ui is a
// React app, not a library, so its calls are reproduced here rather than imported.
const PASSWORD = 'restreamer passphrase 5';
/** restreamer-ui src/version.js: the Core versions this UI works with. */
const UI_WANTS_CORE = '^16.11.0';

/** restreamer-ui's API._call: JSON iff the Content-Type says so; errors carry body.message when the body has code+message. */
async function call(
  live: LiveServer,
  method: string,
  path: string,
  opts: { token?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${live.url}/api${path}`.replace(/\/$/, ''), { method, headers, body: opts.body });
  const isJson = (res.headers.get('Content-Type') ?? '').includes('application/json');
  const body = isJson ? await res.json() : await res.text();
  if (!res.ok)
    return {
      err: { code: res.status, message: isJson && 'code' in body && 'message' in body ? body.message : body },
      val: null,
    };
  return { err: null, val: body };
}
const about = (live: LiveServer, token?: string) => call(live, 'GET', '/', { token });
const login = (live: LiveServer, username: string, password: string) =>
  call(live, 'POST', '/login', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
const refresh = (live: LiveServer, refreshToken: string) =>
  call(live, 'GET', '/login/refresh', { token: refreshToken });
const loginWithToken = (live: LiveServer, token: string) =>
  call(live, 'POST', '/login', { headers: { 'Content-Type': 'application/json' }, token });
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

describe.each(DATABASES)('restreamer-ui login sequence on %s', (db) => {
  const idp = useProvider();
  const tenants = () => [{ issuer: idp.issuer(), audience: AUDIENCE, clientid: 'restreamer-spa', users: ['encoder'] }];
  // The provider's tokens carry real times, and their lifetime is bounded against the server's clock.
  const server = useServer(db, () => ({ DATARHEI_IDP_TENANTS: JSON.stringify(tenants()) }), { realTime: true });

  it('Validate, Login by email, About with the token, then RefreshToken', async () => {
    const live = server();
    const email = freshEmail('restreamer');
    await createUser(live, { email, password: PASSWORD });
    // Validate(): no token yet. The answer must be Core's about, and must not look like a Core without auth (empty id).
    const first = await about(live);
    expect(first.err).toBeNull();
    expect(first.val).toMatchObject({ app: 'datarhei-core', auths: expect.arrayContaining(['localjwt']) });
    expect(first.val.id ?? '').toBe('');
    // Login(username, password)
    const signedIn = await login(live, email, PASSWORD);
    expect(signedIn.err).toBeNull();
    expect(signedIn.val).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(claims(signedIn.val.access_token).exi).toEqual(expect.any(Number)); // the UI schedules its refresh from it
    // About() with the access token: the full about, with an id.
    const full = await about(live, signedIn.val.access_token);
    expect(full.err).toBeNull();
    expect(full.val).toMatchObject({
      app: 'datarhei-core',
      id: expect.stringMatching(/.+/),
      version: { number: expect.any(String) },
    });
    // RefreshToken()
    const renewed = await refresh(live, signedIn.val.refresh_token);
    expect(renewed.err).toBeNull();
    expect(renewed.val).toEqual({ access_token: expect.any(String) });
    expect((await about(live, renewed.val.access_token)).val.id).toBe(full.val.id);
  });

  it('shows the UI the error message of a failed login', async () => {
    const live = server();
    const email = freshEmail('restreamer-bad');
    await createUser(live, { email, password: PASSWORD });
    expect((await login(live, email, 'not the password')).err).toEqual({ code: 401, message: 'Unauthorized' });
  });

  it('passes the UI’s Core version check (semver ^16.11.0)', async () => {
    const live = server();
    const email = freshEmail('restreamer-version');
    await createUser(live, { email, password: PASSWORD });
    const { val } = await login(live, email, PASSWORD);
    const full = await about(live, val.access_token);
    expect(satisfies(full.val.version.number, UI_WANTS_CORE)).toBe(true);
  });

  it('answers the minimal about, not 401, when the UI still holds a stale token', async () => {
    const live = server();
    const stale = await about(live, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
    expect(stale.err).toBeNull();
    expect(stale.val).toEqual({
      app: 'datarhei-core',
      auths: expect.any(Array),
      version: { number: expect.stringMatching(/^16\.0\.0$/) },
    });
  });

  it('logs in by username', async () => {
    const live = server();
    const email = freshEmail('restreamer-name');
    await createUser(live, { email, password: PASSWORD, username: 'encoder_operator' });
    expect((await login(live, 'encoder_operator', PASSWORD)).err).toBeNull();
  });

  it('LoginWithToken: logs in with the identity provider’s token sent with a JSON content type and no body', async () => {
    const live = server();
    const { val } = await about(live);
    expect(val.auths).toEqual([
      'localjwt',
      `auth0 domain=${new URL(idp.issuer()).host} audience=${AUDIENCE} clientid=restreamer-spa`,
    ]);
    const signedIn = await loginWithToken(live, await idp.token('encoder'));
    expect(signedIn.err).toBeNull();
    expect(signedIn.val).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String) });
  });
});
