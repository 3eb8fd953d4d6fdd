import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, register } from './helpers/auth.js';
import { enableTotp } from './helpers/doors.js';

// Issue 30: what the real web UIs (restreamer-ui, privacyIDEA's two UIs, Rocket.Chat's clients) showed wrong
// after signing in. Each test names the wire detail it guards.

const rcLogin = async (t: TestApp, user: string) => {
  const res = await t.request({ method: 'POST', url: '/api/v1/login', payload: { user, password: PASSWORD } });
  const { userId, authToken } = res.json().data;
  return { 'x-user-id': userId as string, 'x-auth-token': authToken as string };
};

describe.each(DATABASES)('what the real clients see after signing in, on %s', (db) => {
  const get = useTestApp(db, {
    RATE_LIMIT_AUTH_PER_IP: '10000',
    ROCKETCHAT_LOGIN_PER_IP: '10000',
    PRIVACYIDEA_VERSION: '3.12.1',
    DATARHEI_MFA: 'append',
  });

  it('privacyIDEA: an unknown realm is 4031 "Unknown realm: <name>." before any other check, as in test_api_auth', async () => {
    const t = get();
    const { user } = await register(t);
    for (const payload of [
      { username: user.email, password: PASSWORD, realm: 'atlantis' },
      { username: user.email, password: 'wrong password', realm: 'atlantis' },
      { password: PASSWORD, realm: 'atlantis' },
    ]) {
      const res = await t.request({ method: 'POST', url: '/auth', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json().result).toEqual({
        status: false,
        error: { code: 4031, message: 'Authentication failure. Unknown realm: atlantis.' },
      });
    }
  });

  it('privacyIDEA: realm names compare ignoring case, as realm_is_defined and User lowercase them', async () => {
    const t = get();
    const cli = { kind: 'cli', id: null } as const;
    await t.app.services.realms.create('Staff', cli);
    const { user } = await register(t);
    await t.app.services.accounts.setRealm(user.id, 'Staff', cli);
    for (const payload of [
      { username: user.email, password: PASSWORD, realm: 'staff' },
      { username: user.email, password: PASSWORD, realm: 'STAFF' },
      { username: `${user.email}@sTaFf`, password: PASSWORD },
    ]) {
      const res = await t.request({ method: 'POST', url: '/auth', payload });
      // privacyIDEA's User lowercases the realm it answers.
      expect([payload, res.statusCode, res.json().result.value?.realm]).toEqual([payload, 200, 'staff']);
    }
    // The unknown-realm message names the realm as it was sent.
    const unknown = await t.request({ method: 'POST', url: '/auth', payload: { username: 'x', realm: 'Nowhere' } });
    expect(unknown.json().result.error.message).toBe('Authentication failure. Unknown realm: Nowhere.');
    // PRIVACYIDEA_ADMIN_REALMS (default `admin`) is compared the same way: a user of realm `Admin` is an admin.
    await t.app.services.realms.create('Admin', cli);
    const other = await register(t);
    await t.app.services.accounts.setRealm(other.user.id, 'Admin', cli);
    const admin = await t.request({
      method: 'POST',
      url: '/auth',
      payload: { username: other.user.email, password: PASSWORD, realm: 'admin' },
    });
    expect(admin.json().result.value).toMatchObject({ role: 'admin', realm: 'admin' });
  });

  it('privacyIDEA: a user’s GET /user/ is their own record (the new UI showed "- @ default"); no list for admins', async () => {
    const t = get();
    const s = await register(t, { user_data: { username: 'cai.wen', display_name: 'Cai Wen' } });
    const auth = await t.request({
      method: 'POST',
      url: '/auth',
      payload: { username: 'cai.wen', password: PASSWORD },
    });
    expect(auth.json().result.value.rights).toContain('userlist');
    const token = auth.json().result.value.token as string;
    // As privacyIDEA, which puts the signed-in user into a user's request: asking for someone else changes nothing.
    for (const url of ['/user/', '/user/?realm=default', '/user/?user=somebody.else']) {
      const res = await t.request({ url, headers: { 'pi-authorization': token } });
      expect([url, res.statusCode, res.json().result]).toEqual([
        url,
        200,
        {
          status: true,
          value: [
            {
              username: 'cai.wen',
              userid: s.user.id,
              givenname: 'Cai',
              surname: 'Wen',
              email: s.user.email,
              phone: '',
              mobile: '',
              description: '',
              editable: false,
              resolver: 'gatehouse',
            },
          ],
        },
      ]);
    }
    const anonymous = await t.request({ url: '/user/' });
    expect([anonymous.statusCode, anonymous.json().result.error.code]).toEqual([401, 4033]);
    // An administrator by realm (PRIVACYIDEA_ADMIN_REALMS, default `admin`; another test may have made `Admin`).
    const cli = { kind: 'cli', id: null } as const;
    let adminRealm = (await t.app.services.realms.list()).find((r) => r.name.toLowerCase() === 'admin')?.name;
    if (!adminRealm) await t.app.services.realms.create((adminRealm = 'admin'), cli);
    const admin = await register(t);
    await t.app.services.accounts.setRealm(admin.user.id, adminRealm, cli);
    const adminAuth = await t.request({
      method: 'POST',
      url: '/auth',
      payload: { username: admin.user.email, password: PASSWORD, realm: adminRealm },
    });
    expect(adminAuth.json().result.value.role).toBe('admin');
    const list = await t.request({
      url: '/user/',
      headers: { 'pi-authorization': adminAuth.json().result.value.token },
    });
    expect([list.statusCode, list.json().result.error.code]).toEqual([404, 404]);
  });

  it('privacyIDEA: reports the configured version (PRIVACYIDEA_VERSION) in successes and errors alike', async () => {
    const t = get();
    const { user } = await register(t);
    const ok = await t.request({ method: 'POST', url: '/auth', payload: { username: user.email, password: PASSWORD } });
    const refused = await t.request({ method: 'POST', url: '/auth', payload: { username: user.email, password: 'x' } });
    for (const res of [ok, refused])
      expect(res.json()).toMatchObject({ version: 'privacyIDEA 3.12.1', versionnumber: '3.12.1' });
  });

  it('privacyIDEA: GET /register says self-registration is closed (the classic web UI reads it on its login page)', async () => {
    const res = await get().request({ url: '/register' });
    expect([res.statusCode, res.json()]).toEqual([
      200,
      expect.objectContaining({ jsonrpc: '2.0', result: { status: true, value: false }, versionnumber: '3.12.1' }),
    ]);
  });

  it('datarhei: the second-factor hint is the message restreamer-ui shows ("Login failed: <message>")', async () => {
    const t = get();
    const s = await register(t);
    const nextCode = await enableTotp(t, s.jwt_token);
    const res = await t.request({
      method: 'POST',
      url: '/api/login',
      payload: { username: s.user.email, password: PASSWORD },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      code: 401,
      message: 'Second factor required: append the current one-time code to the password',
      details: [expect.any(String)],
    });
    const withCode = await t.request({
      method: 'POST',
      url: '/api/login',
      payload: { username: s.user.email, password: `${PASSWORD}${nextCode()}` },
    });
    expect(withCode.json()).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String) });
  });

  describe('unknown paths under a dialect’s prefix answer in that dialect’s envelope (not HBP’s)', () => {
    it('privacyIDEA: /token/, /realm/, … (the new UI read `error` of HBP’s body and threw a TypeError)', async () => {
      const t = get();
      for (const url of ['/token/', '/realm/', '/container/', '/system/documentation', '/validate/check']) {
        const res = await t.request({ url, headers: { 'pi-authorization': 'whatever' } });
        expect([url, res.statusCode]).toEqual([url, 404]);
        expect(res.json()).toMatchObject({
          jsonrpc: '2.0',
          version: 'privacyIDEA 3.12.1',
          result: {
            status: false,
            error: {
              code: 404,
              message: `Not available here: this server provides privacyIDEA's authentication (/auth) only, not GET ${url}`,
            },
          },
        });
      }
    });

    it('datarhei: /api/v3/… is 401 without a valid access token (Core’s JWT middleware runs first), then 404', async () => {
      const t = get();
      const anonymous = await t.request({ url: '/api/v3/process' });
      expect([anonymous.statusCode, anonymous.json()]).toEqual([
        401,
        { code: 401, message: 'Unauthorized', details: ['Missing or invalid JWT token'] },
      ]);
      const s = await register(t);
      const login = await t.request({
        method: 'POST',
        url: '/api/login',
        payload: { username: s.user.email, password: PASSWORD },
      });
      const authorization = `Bearer ${login.json().access_token}`;
      for (const method of ['GET', 'POST', 'DELETE'] as const) {
        const res = await t.request({ method, url: '/api/v3/process/abc', headers: { authorization } });
        expect([method, res.statusCode, res.json()]).toEqual([
          method,
          404,
          { code: 404, message: 'Not Found', details: ['Not Found'] },
        ]);
      }
    });

    it('Rocket.Chat: /api/v1/… answers Hono’s plain-text 404 (its router has no notFound of its own), before auth', async () => {
      const t = get();
      for (const [method, url] of [
        ['GET', '/api/v1/settings.public'],
        ['POST', '/api/v1/channels.create'],
        ['GET', '/api/v1/login'], // a known path with a verb Rocket.Chat does not route
      ] as const) {
        const res = await t.request({ method, url, headers: { 'x-user-id': 'nobody', 'x-auth-token': 'bogus' } });
        expect([method, url, res.statusCode, res.headers['content-type'], res.body]).toEqual([
          method,
          url,
          404,
          'text/plain; charset=UTF-8',
          '404 Not Found',
        ]);
      }
    });

    it('HumHub: /api/v1/auth/… answers Yii’s "Page not found." before auth; the longer prefix wins over Rocket.Chat’s', async () => {
      const t = get();
      for (const [method, url] of [
        ['POST', '/api/v1/auth/nothing-here'],
        ['GET', '/api/v1/auth/login'], // HumHub's URL rule for login is POST only: GET matches no rule
        ['DELETE', '/api/v1/auth/current'],
      ] as const) {
        const res = await t.request({ method, url, headers: { authorization: 'Bearer not-a-token' } });
        expect([method, url, res.statusCode, res.json()]).toEqual([
          method,
          url,
          404,
          { name: 'Not Found', message: 'Page not found.', code: 0, status: 404 },
        ]);
      }
    });

    it('a URL that is not valid percent-encoding under a prefix is refused in that dialect’s envelope too', async () => {
      const t = get();
      // Bug guarded: the router refused these before any route, in HBP's envelope, which the clients cannot read.
      const answers = await Promise.all(
        ['/api/v1/auth/%ZZ', '/api/v1/%ZZ', '/api/v3/%E0%A4%A', '/token/%ZZ', '/nowhere/%ZZ'].map(async (url) => {
          const res = await t.request({ url });
          return [url, res.statusCode, String(res.headers['content-type']).split(';')[0], res.body];
        }),
      );
      expect(answers.map(([url, status]) => [url, status])).toEqual([
        ['/api/v1/auth/%ZZ', 400],
        ['/api/v1/%ZZ', 400],
        ['/api/v3/%E0%A4%A', 400],
        ['/token/%ZZ', 400],
        ['/nowhere/%ZZ', 400],
      ]);
      const [humhub, rocketchat, datarhei, privacyidea, native] = answers.map(([, , type, body]) =>
        type === 'application/json' ? JSON.parse(String(body)) : body,
      );
      expect(humhub).toMatchObject({ name: 'Bad Request', status: 400 });
      expect(rocketchat).toMatchObject({ success: false });
      expect(datarhei).toMatchObject({ code: 400 });
      expect(privacyidea).toMatchObject({ jsonrpc: '2.0', result: { status: false, error: { code: 400 } } });
      expect(native).toMatchObject({ statusCode: 400, code: 'invalid-url' });
    });

    it('leaves known routes and the native 404 alone', async () => {
      const t = get();
      expect((await t.request({ url: '/api/v1/me' })).statusCode).toBe(401);
      expect((await t.request({ url: '/api' })).json()).toMatchObject({ app: 'datarhei-core' });
      const native = await t.request({ url: '/nowhere/at/all' });
      expect([native.statusCode, native.json()]).toEqual([404, expect.objectContaining({ statusCode: 404 })]);
    });
  });

  describe('avatars the dialects link to', () => {
    it('Rocket.Chat: /avatar/<username> draws initials, cacheable, the same for an unknown name (no enumeration)', async () => {
      const t = get();
      const s = await register(t, { user_data: { username: 'ann.lee' } });
      const me = await t.request({ url: '/api/v1/me', headers: await rcLogin(t, s.user.email) });
      expect(me.json().avatarUrl).toBe('http://localhost:3000/avatar/ann.lee');
      const res = await t.request({ url: '/avatar/ann.lee' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
      expect(res.body).toContain('>AL</text>');
      // A name nobody has gets a picture drawn the same way: the answer does not say whether the user exists.
      const nobody = await t.request({ url: '/avatar/ann.lea' });
      expect([nobody.statusCode, nobody.headers['content-type']]).toEqual([200, res.headers['content-type']]);
      expect(nobody.body).toContain('>AL</text>');
      const again = await t.request({ url: '/avatar/ann.lee', headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode).toBe(304);
    });

    it('draws no markup a name carries into the SVG (markup injection through the avatar name)', async () => {
      const t = get();
      const res = await t.request({ url: `/avatar/${encodeURIComponent('<script>')}` });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('<script');
      expect(res.body).toContain('>?</text>');
    });

    it('redirects to the picture a user set (avatar_url), from Rocket.Chat’s and HumHub’s links', async () => {
      const t = get();
      const picture = 'https://images.example/ann.png';
      const s = await register(t, { user_data: { username: 'ann.pic', avatar_url: picture } });
      const rc = await t.request({ url: '/avatar/ann.pic' });
      expect([rc.statusCode, rc.headers.location]).toEqual([302, picture]);
      const login = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: s.user.email, password: PASSWORD },
      });
      const current = await t.request({
        url: '/api/v1/auth/current',
        headers: { authorization: `Bearer ${login.json().auth_token}` },
      });
      const imageUrl = new URL(current.json().profile.image_url as string);
      expect(imageUrl.pathname).toBe(`/uploads/profile_image/${s.user.id}.jpg`);
      const hh = await t.request({ url: imageUrl.pathname });
      expect([hh.statusCode, hh.headers.location]).toEqual([302, picture]);
    });

    it('HumHub: banner_url is HumHub’s default banner path, and it serves a JPEG there', async () => {
      const t = get();
      const s = await register(t);
      const login = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: s.user.email, password: PASSWORD },
      });
      const current = await t.request({
        url: '/api/v1/auth/current',
        headers: { authorization: `Bearer ${login.json().auth_token}` },
      });
      const bannerUrl = new URL(current.json().profile.banner_url as string);
      expect(bannerUrl.href).toBe('http://localhost:3000/static/img/default_banner.jpg');
      const res = await t.request({ url: bannerUrl.pathname });
      expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'image/jpeg']);
      const jpeg = res.rawPayload;
      expect([jpeg[0], jpeg[1], jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
      expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
      const again = await t.request({
        url: bannerUrl.pathname,
        headers: { 'if-none-match': String(res.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
    });

    it('HumHub: image_url draws initials without a picture, and a guid nobody has is no 404', async () => {
      const t = get();
      const s = await register(t, { user_data: { display_name: 'Bo Chen' } });
      const own = await t.request({ url: `/uploads/profile_image/${s.user.id}.jpg` });
      expect([own.statusCode, own.headers['content-type']]).toEqual([200, expect.stringMatching(/^image\/svg\+xml/)]);
      expect(own.body).toContain('>BC</text>');
      for (const file of ['00000000-0000-4000-8000-000000000000.jpg', 'not-a-guid.jpg']) {
        const res = await t.request({ url: `/uploads/profile_image/${file}` });
        expect([file, res.statusCode, res.body]).toEqual([file, 200, expect.stringContaining('>?</text>')]);
      }
    });
  });

  it('Rocket.Chat /me: `email` is the first verified address, absent while none is verified', async () => {
    const t = get();
    const s = await register(t);
    const headers = await rcLogin(t, s.user.email);
    const unverified = (await t.request({ url: '/api/v1/me', headers })).json();
    expect(unverified.emails).toEqual([{ address: s.user.email, verified: false }]);
    expect(unverified).not.toHaveProperty('email');
    await t.app.services.users.setEmail(s.user.id, s.user.email, true);
    const verified = (await t.request({ url: '/api/v1/me', headers })).json();
    expect(verified).toMatchObject({ email: s.user.email, emails: [{ address: s.user.email, verified: true }] });
  });
});
