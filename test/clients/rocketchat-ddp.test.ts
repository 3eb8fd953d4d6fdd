import { createHash } from 'node:crypto';
import { DDPSDK } from '@rocket.chat/ddp-client';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { createUser, freshEmail, useServer, type LiveServer } from './harness/server.js';

// The REST part of @rocket.chat/ddp-client 1.1.2 (`sdk.rest`, a RestClient whose credentials are the SDK account's),
// unchanged. DDPSDK.create only keeps the WebSocket class for a later connect(), which these tests never make;
// Node 20 has no global WebSocket (Node 22 has), so a stand-in that refuses to open takes its place there.
(globalThis as { WebSocket?: unknown }).WebSocket ??= class {
  constructor() {
    throw new Error('the REST part of the SDK opens no WebSocket');
  }
};

const PASSWORD = 'ddp client passphrase 7';
const digestOf = (password: string) => createHash('sha256').update(password).digest('hex');

type LoginAnswer = { status: string; success: boolean; data: { userId: string; authToken: string } };
// The endpoint typings come from @rocket.chat/rest-typings; the tests read the answers as plain JSON.
type Rest = {
  post(endpoint: string, params?: unknown, options?: { headers?: Record<string, string> }): Promise<unknown>;
  get(endpoint: string, params?: unknown): Promise<unknown>;
};

/** An SDK pointed at the server, as Rocket.Chat's clients create it; `rest` is what these tests drive. */
function sdkFor(live: LiveServer) {
  const sdk = DDPSDK.create(live.url);
  return { sdk, rest: sdk.rest as unknown as Rest };
}

/** Logs in over REST and hands the credentials to the SDK's account, whose credentials the REST client sends. */
async function signIn(live: LiveServer, body: Record<string, unknown>, headers?: Record<string, string>) {
  const { sdk, rest } = sdkFor(live);
  const answer = (await rest.post('/v1/login', body, { headers })) as LoginAnswer;
  // As Rocket.Chat's web client adopts a login result: the account's user and uid, which getCredentials reads.
  sdk.account.user = { id: answer.data.userId, token: answer.data.authToken };
  sdk.account.uid = answer.data.userId;
  return { sdk, rest, answer };
}

const refusal = async (call: Promise<unknown>) => {
  const res = (await call.then(
    () => {
      throw new Error('expected a refusal');
    },
    (r: Response) => r,
  )) as Response;
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function enableTotp(live: LiveServer, email: string): Promise<() => string> {
  const post = (url: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${live.url}${url}`, {
      method: 'POST',
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then((r) => r.json());
  const { jwt_token } = await post('/auth/login', {}, { email, password: PASSWORD });
  const auth = { authorization: `Bearer ${jwt_token}` };
  const { otp_secret } = await post('/auth/mfa/generate', auth);
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(otp_secret) });
  const code = () => totp.generate({ timestamp: live.t.clock.now().getTime() });
  await fetch(`${live.url}/auth/mfa/enable`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ code: code() }),
  });
  // Each code is accepted once: the next one comes from the next period.
  return () => {
    live.t.clock.advanceSeconds(30);
    return code();
  };
}

describe.each(DATABASES)('@rocket.chat/ddp-client REST on %s', (db) => {
  const server = useServer(db);

  it('logs in with the password by email and by username, then reads /v1/me with the account’s credentials', async () => {
    const live = server();
    const email = freshEmail('ddp');
    const username = `ddp.user-${Date.now().toString(36)}`;
    const created = await createUser(live, { email, password: PASSWORD, username });
    for (const body of [
      { user: email, password: PASSWORD },
      { email, password: PASSWORD },
      { username, password: PASSWORD },
      { user: { username }, password: PASSWORD },
    ]) {
      const { rest, answer } = await signIn(live, body);
      expect(answer).toMatchObject({ status: 'success', success: true, data: { userId: created.id } });
      expect(await rest.get('/v1/me')).toMatchObject({ _id: created.id, username, success: true });
    }
  });

  it('logs in with the SHA-256 digest the SDK’s own loginWithPassword sends, and refuses a wrong one', async () => {
    const live = server();
    const email = freshEmail('ddp-digest');
    const username = `ddp.digest-${Date.now().toString(36)}`;
    const created = await createUser(live, { email, password: PASSWORD, username });
    const { answer } = await signIn(live, {
      user: { username },
      password: { digest: digestOf(PASSWORD), algorithm: 'sha-256' },
    });
    expect(answer.data.userId).toBe(created.id);
    const wrong = await refusal(
      sdkFor(live).rest.post('/v1/login', {
        user: { username },
        password: { digest: digestOf('not the password'), algorithm: 'sha-256' },
      }),
    );
    expect(wrong).toEqual({ status: 401, body: expect.objectContaining({ status: 'error', error: 'Unauthorized' }) });
  });

  it('resumes with the auth token (loginWithToken’s REST form) and gets the same user back', async () => {
    const live = server();
    const email = freshEmail('ddp-resume');
    const created = await createUser(live, { email, password: PASSWORD });
    const first = await signIn(live, { user: email, password: PASSWORD });
    const { rest, answer } = await signIn(live, { resume: first.answer.data.authToken });
    expect(answer.data).toEqual(
      expect.objectContaining({ userId: created.id, authToken: first.answer.data.authToken }),
    );
    expect(await rest.get('/v1/me')).toMatchObject({ _id: created.id });
    const forged = await refusal(sdkFor(live).rest.post('/v1/login', { resume: 'not-a-token' }));
    expect(forged.status).toBe(401);
  });

  it('asks for the TOTP code, then takes it in the body (`code`) or in the x-2fa-code header', async () => {
    const live = server();
    const email = freshEmail('ddp-totp');
    const created = await createUser(live, { email, password: PASSWORD });
    const nextCode = await enableTotp(live, email);
    const asked = await refusal(sdkFor(live).rest.post('/v1/login', { user: email, password: PASSWORD }));
    expect(asked).toEqual({
      status: 401,
      body: expect.objectContaining({ error: 'totp-required', details: expect.objectContaining({ method: 'totp' }) }),
    });
    const inBody = await signIn(live, { user: email, password: PASSWORD, code: nextCode() });
    expect(inBody.answer.data.userId).toBe(created.id);
    const inHeader = await signIn(
      live,
      { user: email, password: PASSWORD },
      { 'x-2fa-code': nextCode(), 'x-2fa-method': 'totp' },
    );
    expect(inHeader.answer.data.userId).toBe(created.id);
    const wrong = await refusal(
      sdkFor(live).rest.post('/v1/login', { user: email, password: PASSWORD }, { headers: { 'x-2fa-code': '000000' } }),
    );
    expect([wrong.status, wrong.body.error]).toEqual([401, 'totp-invalid']);
  });

  it('logs out over REST, after which the token is refused', async () => {
    const live = server();
    const email = freshEmail('ddp-out');
    await createUser(live, { email, password: PASSWORD });
    const { rest } = await signIn(live, { user: email, password: PASSWORD });
    expect(await rest.post('/v1/logout')).toEqual({ status: 'success', data: { message: "You've been logged out!" } });
    expect((await refusal(rest.get('/v1/me'))).status).toBe(401);
  });
});
