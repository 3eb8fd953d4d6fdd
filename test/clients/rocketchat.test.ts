import { createHash } from 'node:crypto';
import { RestClient } from '@rocket.chat/api-client';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { loadRocketChatSdkApi } from './harness/rocketchat-sdk.js';
import { SERVER_URL, createUser, freshEmail, useServer, type LiveServer } from './harness/server.js';

// @rocket.chat/api-client 0.2.57 and the api module of @rocket.chat/sdk 0.2.9, unchanged (see WIRE.md §3).
const PASSWORD = 'rocket client passphrase 9';

type Me = Record<string, unknown> & { _id: string; username: string };
type LoginAnswer = { status: string; data: { userId: string; authToken: string; me: Me } };
// The client's endpoint typings come from @rocket.chat/rest-typings; the tests read the answers as plain JSON.
type Untyped = {
  post(endpoint: string, params?: unknown): Promise<unknown>;
  get(endpoint: string, params?: unknown): Promise<unknown>;
};

function restClient(live: LiveServer) {
  const client = new RestClient({ baseUrl: live.url });
  return { client, call: client as unknown as Untyped };
}

async function signIn(live: LiveServer, body: Record<string, unknown>) {
  const { client, call } = restClient(live);
  const answer = (await call.post('/v1/login', body)) as LoginAnswer;
  client.setCredentials({ 'X-User-Id': answer.data.userId, 'X-Auth-Token': answer.data.authToken });
  return { client, call, answer };
}

/** Enables TOTP for a user through the native API, as they would in their account settings; returns the secret. */
async function enableTotp(live: LiveServer, email: string): Promise<string> {
  const login = await (
    await fetch(`${live.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    })
  ).json();
  const auth = { authorization: `Bearer ${login.jwt_token}`, 'content-type': 'application/json' };
  const { otp_secret } = await (
    await fetch(`${live.url}/auth/mfa/generate`, { method: 'POST', headers: { authorization: auth.authorization } })
  ).json();
  const enabled = await fetch(`${live.url}/auth/mfa/enable`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ code: codeFor(otp_secret, live) }),
  });
  expect(enabled.status).toBe(204);
  live.t.clock.advanceSeconds(30);
  return otp_secret;
}
const codeFor = (secret: string, live: LiveServer) =>
  new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({
    timestamp: live.t.clock.now().getTime(),
  });

describe.each(DATABASES)('Rocket.Chat clients on %s', (db) => {
  const server = useServer(db);

  it.each([
    ['user: <email>', (email: string) => ({ user: email, password: PASSWORD })],
    ['email', (email: string) => ({ email, password: PASSWORD })],
    ['user: {email}', (email: string) => ({ user: { email }, password: PASSWORD })],
  ])('api-client logs in by email (%s) and reads /v1/me with the credentials it was given', async (_shape, body) => {
    const live = server();
    const email = freshEmail('rc');
    const created = await createUser(live, { email, password: PASSWORD });
    const { call, answer } = await signIn(live, body(email));
    expect(answer).toMatchObject({
      status: 'success',
      data: { userId: created.id, authToken: expect.any(String), me: { _id: created.id } },
    });
    expect(await call.get('/v1/me')).toMatchObject({ _id: created.id, success: true, emails: [{ address: email }] });
  });

  it('api-client gets a 401 totp-required without the code and logs in with it', async () => {
    const live = server();
    const email = freshEmail('rc-totp');
    await createUser(live, { email, password: PASSWORD });
    const secret = await enableTotp(live, email);
    const { call } = restClient(live);
    const refused = (await call
      .post('/v1/login', { user: email, password: PASSWORD })
      .catch((res: Response) => res)) as Response;
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({
      status: 'error',
      error: 'totp-required',
      details: { method: 'totp' },
    });
    const answer = (await call.post('/v1/login', {
      user: email,
      password: PASSWORD,
      code: codeFor(secret, live),
    })) as LoginAnswer;
    expect(answer.status).toBe('success');
  });

  it('api-client logs in by username (user: <username> and username) and me.username is that username', async () => {
    const live = server();
    const email = freshEmail('rc-name');
    const username = `rc.user-${Date.now().toString(36)}`;
    const created = await createUser(live, { email, password: PASSWORD, username });
    for (const body of [
      { user: username, password: PASSWORD },
      { username, password: PASSWORD },
      { user: { username }, password: PASSWORD },
    ]) {
      const { answer } = await signIn(live, body);
      expect(answer.data).toMatchObject({ userId: created.id, me: { username } });
    }
  });

  it('me carries what Rocket.Chat clients read: a valid username, absolute avatarUrl, emails and services', async () => {
    const live = server();
    const email = freshEmail('rc-me');
    await createUser(live, { email, password: PASSWORD });
    const secret = await enableTotp(live, email);
    const { call, answer } = await signIn(live, { user: email, password: PASSWORD, code: codeFor(secret, live) });
    const me = (await call.get('/v1/me')) as Me;
    expect(me.username).toMatch(/^[0-9a-zA-Z-_.]+$/);
    expect(answer.data.me.username).toBe(me.username);
    expect(me.avatarUrl).toBe(`${SERVER_URL}/avatar/${me.username}`);
    expect(me.services).toMatchObject({ password: { exists: true }, totp: { enabled: true } });
    // As getUserInfo: `email` is the first verified address; this account's address is not verified yet.
    expect(me.emails).toEqual([{ address: email, verified: false }]);
    expect(me).not.toHaveProperty('email');
  });

  it('api-client logs out (JSON content type, no body) and the token stops working', async () => {
    const live = server();
    const email = freshEmail('rc-out');
    await createUser(live, { email, password: PASSWORD });
    const { call } = await signIn(live, { user: email, password: PASSWORD });
    expect(await call.post('/v1/logout')).toEqual({ status: 'success', data: { message: "You've been logged out!" } });
    const after = (await call.get('/v1/me').catch((res: Response) => res)) as Response;
    expect(after.status).toBe(401);
  });

  it('logs in with the sha-256 digest form Rocket.Chat’s own clients send, and refuses a wrong digest', async () => {
    const live = server();
    const email = freshEmail('rc-digest');
    const created = await createUser(live, { email, password: PASSWORD });
    const digest = createHash('sha256').update(PASSWORD).digest('hex');
    const { answer } = await signIn(live, { user: email, password: { digest, algorithm: 'sha-256' } });
    expect(answer.data.userId).toBe(created.id);
    const wrong = createHash('sha256').update('not the password').digest('hex');
    const refused = (await restClient(live)
      .call.post('/v1/login', { user: email, password: { digest: wrong, algorithm: 'sha-256' } })
      .catch((res: Response) => res)) as Response;
    expect(refused.status).toBe(401);
  });

  it('sdk api module logs in with {username: <email>, password} and calls an authenticated endpoint', async () => {
    const live = server();
    const email = freshEmail('rc-sdk');
    const created = await createUser(live, { email, password: PASSWORD });
    const api = loadRocketChatSdkApi(live.url);
    const result = await api.login({ username: email, password: PASSWORD });
    expect(result.data.userId).toBe(created.id);
    expect(await api.get('me')).toMatchObject({ _id: created.id, success: true });
  });

  it('sdk api module logs in by username and logs out with GET /api/v1/logout', async () => {
    const live = server();
    const email = freshEmail('rc-sdk-out');
    const username = `sdk_user-${Date.now().toString(36)}`;
    await createUser(live, { email, password: PASSWORD, username });
    const api = loadRocketChatSdkApi(live.url);
    const { data } = await api.login({ username, password: PASSWORD });
    await api.logout();
    expect(api.currentLogin).toBeNull();
    const me = await fetch(`${live.url}/api/v1/me`, {
      headers: { 'x-user-id': data.userId, 'x-auth-token': data.authToken },
    });
    expect(me.status).toBe(401);
  });
});
