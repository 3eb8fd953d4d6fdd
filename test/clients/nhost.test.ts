import { createClient, type NhostClient } from 'nhost-js-sdk';
import { Secret, TOTP } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { Browser, MemoryStorage } from './harness/browser.js';
import { SERVER_URL, freshEmail, useServer, type LiveServer } from './harness/server.js';

// nhost-js-sdk 3.1.0, unchanged, against a listening Gatehouse (see WIRE.md §1).
const PASSWORD = 'nhost client passphrase 7';

/** An authenticator app: the current code for a base32 secret, on the server's clock. */
const authenticator = (secret: string, live: LiveServer) =>
  new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({
    timestamp: live.t.clock.now().getTime(),
  });

/** MFAGenerate returns the server's answer, though the SDK's typings say void. */
const generateMfa = async (auth: NhostClient['auth']) =>
  (await auth.MFAGenerate()) as unknown as { otp_secret: string; image_url: string };

const clients: NhostClient[] = [];
/** A browser page running the SDK: its own cookie jar and localStorage. */
function page(live: LiveServer, useCookies: boolean) {
  const browser = new Browser(live.t.clock);
  browser.install();
  const storage = new MemoryStorage();
  const nhost = createClient({
    baseURL: live.url,
    useCookies,
    ssr: false,
    autoLogin: false,
    clientStorage: storage,
    refreshIntervalTime: 1e9,
  });
  clients.push(nhost);
  return { nhost, auth: nhost.auth, storage: nhost.storage, browser, localStorage: storage };
}

afterEach(() => {
  // The SDK keeps refresh timers while signed in; a page would be closed here.
  for (const c of clients.splice(0)) {
    const auth = c.auth as unknown as { refreshInterval: NodeJS.Timeout; refreshSleepCheckInterval: NodeJS.Timeout };
    clearInterval(auth.refreshInterval);
    clearInterval(auth.refreshSleepCheckInterval);
  }
});

describe.each(DATABASES)('nhost-js-sdk 3.1.0 on %s', (db) => {
  const server = useServer(db, { REGISTRATION_CUSTOM_FIELDS: '' });

  it('registers, reads its claims, refreshes, changes the password, logs out and logs in again (header mode)', async () => {
    const live = server();
    const { auth, localStorage, browser } = page(live, false);
    const email = freshEmail('nhost');
    const registered = await auth.register({
      email,
      password: PASSWORD,
      options: { userData: { display_name: 'Nora Host' } },
    });
    expect(registered.user).toMatchObject({ email, display_name: 'Nora Host' });
    expect(auth.isAuthenticated()).toBe(true);
    expect(auth.getClaim('x-hasura-user-id')).toBe(registered.user!.id);
    expect(auth.getClaim('x-hasura-default-role')).toBe('user');
    const firstRefresh = localStorage.getItem('nhostRefreshToken');
    expect(firstRefresh).toEqual(expect.any(String));

    await auth.refreshSession();
    const secondRefresh = localStorage.getItem('nhostRefreshToken');
    expect(secondRefresh).toEqual(expect.any(String));
    expect(secondRefresh).not.toBe(firstRefresh);
    expect(browser.sent.at(-1)).toMatchObject({
      method: 'GET',
      url: expect.stringContaining('/auth/token/refresh?refresh_token='),
    });

    await auth.changePassword(PASSWORD, `${PASSWORD} changed`);
    await auth.logout();
    expect(auth.isAuthenticated()).toBe(false);
    expect(localStorage.getItem('nhostRefreshToken')).toBeNull();
    // The refresh token of the ended session is dead on the server, not only forgotten by the SDK.
    expect(
      (await fetch(`${live.url}/auth/token/refresh?refresh_token=${encodeURIComponent(secondRefresh!)}`)).status,
    ).toBe(401);

    await expect(auth.login({ email, password: PASSWORD })).rejects.toMatchObject({ response: { status: 401 } });
    const again = await auth.login({ email, password: `${PASSWORD} changed` });
    expect(again.user).toMatchObject({ id: registered.user!.id, email });
    expect(auth.getJWTToken()).toEqual(expect.any(String));
  });

  it('enables TOTP through the SDK and completes the MFA login step', async () => {
    const live = server();
    const { auth } = page(live, false);
    const email = freshEmail('nhost-mfa');
    await auth.register({ email, password: PASSWORD });
    const { otp_secret, image_url } = await generateMfa(auth);
    expect(image_url).toMatch(/^data:image\/png;base64,/);
    await auth.MFAEnable(authenticator(otp_secret, live));
    live.t.clock.advanceSeconds(30); // the enabling code is spent
    await auth.logout();

    const first = await auth.login({ email, password: PASSWORD });
    expect(first).toEqual({ session: null, user: null, mfa: { ticket: expect.any(String) } });
    const done = await auth.MFATotp(authenticator(otp_secret, live), first.mfa!.ticket!);
    expect(done.user).toMatchObject({ email });
    expect(auth.isAuthenticated()).toBe(true);
  });

  it('uploads, reads metadata, downloads and deletes a file with the bearer token (header mode)', async () => {
    const live = server();
    const { auth, storage } = page(live, false);
    const { user } = await auth.register({ email: freshEmail('nhost-files'), password: PASSWORD });
    const path = `/user/${user!.id}/notes/hello.txt`;
    const uploaded = await storage.put(path, new File(['hello from the SDK'], 'hello.txt', { type: 'text/plain' }));
    expect(uploaded).toMatchObject({
      key: path.slice(1),
      ContentType: expect.stringMatching(/^text\/plain/),
      ContentLength: 18,
    });
    const meta = await storage.getMetadata(path);
    expect(meta).toMatchObject({ key: path.slice(1), ContentLength: 18, ETag: expect.any(String) });
    const download = await fetch(`${live.url}/storage/o${path}`, {
      headers: { authorization: `Bearer ${auth.getJWTToken()}` },
    });
    expect(await download.text()).toBe('hello from the SDK');
    await storage.putString(`/user/${user!.id}/notes/raw.txt`, 'raw string', 'raw', { 'content-type': 'text/plain' });
    expect(await storage.getMetadata(`/user/${user!.id}/notes/raw.txt`)).toMatchObject({ ContentLength: 10 });
    await storage.delete(path);
    await expect(storage.getMetadata(path)).rejects.toMatchObject({ response: { status: 404 } });
  });

  it('gives readers Metadata.token in the metadata, which reads the file without signing in', async () => {
    const live = server();
    const { auth, storage } = page(live, false);
    const { user } = await auth.register({ email: freshEmail('nhost-share'), password: PASSWORD });
    const path = `/user/${user!.id}/shared.txt`;
    await storage.put(path, new File(['share me'], 'shared.txt', { type: 'text/plain' }));
    const meta = (await storage.getMetadata(path)) as { Metadata?: { token?: string } };
    expect(meta.Metadata?.token).toEqual(expect.any(String));
    const shared = await fetch(`${live.url}/storage/o${path}?token=${encodeURIComponent(meta.Metadata!.token!)}`);
    expect(shared.status).toBe(200);
    expect(await shared.text()).toBe('share me');
  });

  it('registers and logs in with cookies: the refresh token stays in an httpOnly cookie, out of the body and of storage', async () => {
    const live = server();
    const { auth, browser, localStorage } = page(live, true);
    const email = freshEmail('nhost-cookie');
    const registered = await auth.register({ email, password: PASSWORD });
    expect(registered.session).not.toHaveProperty('refresh_token');
    expect(localStorage.items.size).toBe(0);
    expect(await browser.cookieNames(`${live.url}/auth/token/refresh`)).toContain('refresh_token');
    const cookie = await browser.cookieHeader(`${live.url}/auth/token/refresh`);
    await auth.logout();
    expect(auth.isAuthenticated()).toBe(false);
    // The cookie's session is over on the server: a copy of the old cookie no longer refreshes.
    expect((await fetch(`${live.url}/auth/token/refresh`, { headers: { cookie } })).status).toBe(401);
    const back = await auth.login({ email, password: PASSWORD });
    expect(back.user).toMatchObject({ email });
  });

  it('works in cookie mode with no Authorization header: storage round trip and MFA setup ride on the permission_variables cookie', async () => {
    const live = server();
    const { auth, storage, browser } = page(live, true);
    const { user } = await auth.register({ email: freshEmail('nhost-cookie-files'), password: PASSWORD });
    expect(await browser.cookieNames(`${live.url}/storage/o/`)).toContain('permission_variables');
    const path = `/user/${user!.id}/cookie.txt`;
    await storage.put(path, new File(['cookie mode'], 'cookie.txt', { type: 'text/plain' }));
    expect(browser.sent.at(-1)!.headers).not.toHaveProperty('Authorization');
    expect(await storage.getMetadata(path)).toMatchObject({
      ContentLength: 11,
      Metadata: { token: expect.any(String) },
    });
    await storage.delete(path);
    const { otp_secret } = await generateMfa(auth);
    expect(otp_secret).toEqual(expect.any(String));
    const stale = await browser.cookieHeader(`${live.url}/storage/m/`);
    await auth.logout();
    expect(await browser.cookieNames(`${live.url}/storage/m/`)).not.toContain('permission_variables');
    // A copy of the cookie taken before logout no longer signs anyone in.
    const after = await fetch(`${live.url}/auth/mfa/generate`, { method: 'POST', headers: { cookie: stale } });
    expect(after.status).toBe(401);
  });

  it('refuses cookie-authenticated writes from another site (CSRF), and reads the cookie only while its session lives', async () => {
    const live = server();
    const { auth, browser } = page(live, true);
    const { user } = await auth.register({ email: freshEmail('nhost-csrf'), password: PASSWORD });
    const cookie = await browser.cookieHeader(`${live.url}/storage/o/`);
    const path = `${live.url}/storage/o/user/${user!.id}/csrf.txt`;
    const write = (headers: Record<string, string>) =>
      fetch(path, { method: 'POST', headers: { cookie, 'content-type': 'text/plain', ...headers }, body: 'x' });
    // From another site the cookie signs nobody in: the write is anonymous, and the rules refuse it (401
    // sign-in-required: signing in would help; said for any user folder, so it tells nobody who exists).
    expect((await write({ origin: 'https://evil.example' })).status).toBe(401);
    expect((await write({ 'sec-fetch-site': 'cross-site' })).status).toBe(401);
    expect(
      await fetch(`${live.url}/storage/m/user/${user!.id}/csrf.txt`, { headers: { cookie } }).then((r) => r.status),
    ).toBe(404);
    expect((await write({ origin: SERVER_URL, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    const mfa = await fetch(`${live.url}/auth/mfa/generate`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(mfa.status).toBe(401);
  });
});
