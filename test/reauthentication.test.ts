import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register, uniqueEmail } from './helpers/auth.js';

/** Past the default REAUTH_MAX_AGE (10 minutes), within the access token's 15. */
const STALE_SECONDS = 11 * 60;

const post = (t: TestApp, url: string, jwt: string, payload: Record<string, unknown> = {}) =>
  t.request({ method: 'POST', url, headers: bearer(jwt), payload });

const mintToken = (t: TestApp, jwt: string) => post(t, '/auth/tokens', jwt, { name: 'laptop' });

async function withMfa(t: TestApp) {
  const session = await register(t);
  const { otp_secret } = (await post(t, '/auth/mfa/generate', session.jwt_token)).json();
  const code = codeAt(otp_secret, t.clock.now().getTime());
  expect((await post(t, '/auth/mfa/enable', session.jwt_token, { code })).statusCode).toBe(204);
  t.clock.advanceSeconds(30); // the enabling code is spent
  return { ...session, secret: otp_secret as string };
}

const codeNow = (t: TestApp, secret: string) => codeAt(secret, t.clock.now().getTime());

async function auditCount(t: TestApp, userId: string, action: string, outcome: string) {
  const rows = await t.app.services.db.kysely
    .selectFrom('audit_log')
    .select('id')
    .where('subject', '=', userId)
    .where('action', '=', action)
    .where('outcome', '=', outcome)
    .execute();
  return rows.length;
}

/** The undo mail sent to `to` (plain-text copies in DATA_DIR/outbox), and its ticket. */
async function undoMail(t: TestApp, to: string) {
  await t.app.services.background.drain();
  const dir = path.join(t.config.dataDir, 'outbox');
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('-email-change-undo.txt'))) {
    const text = await readFile(path.join(dir, name), 'utf8');
    if (text.startsWith(`To: ${to}\n`)) return { text, ticket: /Ticket: (\S+)/.exec(text)![1]! };
  }
  throw new Error(`no undo mail to ${to}`);
}

describe.each(DATABASES)('re-authentication on %s', (db) => {
  const get = useTestApp(db, { MFA_ENABLED: 'true', RATE_LIMIT_ENABLED: 'false', LOGIN_MAX_FAILURES_PER_HOUR: '5' });

  it('stolen access token cannot mint a personal token without a fresh proof', async () => {
    const t = get();
    const { jwt_token, refresh_token } = await register(t);
    expect((await mintToken(t, jwt_token)).statusCode).toBe(201); // just signed in: the proof is fresh
    t.clock.advanceSeconds(STALE_SECONDS);
    const refused = await mintToken(t, jwt_token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'reauthentication-required',
      message: expect.stringContaining('/auth/reauthenticate'),
    });
    expect((await post(t, '/auth/reauthenticate', jwt_token, { password: 'not the password' })).statusCode).toBe(401);
    expect((await mintToken(t, jwt_token)).statusCode).toBe(403);
    expect((await post(t, '/auth/reauthenticate', jwt_token, { password: PASSWORD })).statusCode).toBe(204);
    expect((await mintToken(t, jwt_token)).statusCode).toBe(201);
    t.clock.advanceSeconds(STALE_SECONDS); // the session's later tokens carry the proof's age
    const later = (await t.request({ url: `/auth/token/refresh?refresh_token=${refresh_token}` })).json()
      .jwt_token as string;
    expect((await mintToken(t, later)).statusCode).toBe(403);
  });

  it('a refresh token does not renew the proof: refreshing is not proving', async () => {
    const t = get();
    const { refresh_token } = await register(t);
    t.clock.advanceSeconds(STALE_SECONDS);
    const refreshed = await t.request({ url: `/auth/token/refresh?refresh_token=${refresh_token}` });
    expect(refreshed.statusCode).toBe(200);
    expect((await mintToken(t, refreshed.json().jwt_token)).json().code).toBe('reauthentication-required');
  });

  it('stolen access token cannot mint recovery codes, disable MFA or change the email unproven', async () => {
    const t = get();
    const { jwt_token, secret, user } = await withMfa(t);
    t.clock.advanceSeconds(STALE_SECONDS);
    expect((await post(t, '/auth/mfa/recovery-codes', jwt_token)).json().code).toBe('reauthentication-required');
    expect((await post(t, '/auth/mfa/disable', jwt_token, { code: codeNow(t, secret) })).json().code).toBe(
      'reauthentication-required',
    );
    expect((await post(t, '/auth/change-email', jwt_token, { new_email: uniqueEmail('thief') })).json().code).toBe(
      'reauthentication-required',
    );
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).json()).toMatchObject({
      email: user.email,
      mfa: { enabled: true },
    });

    // An MFA account proves what its login asks: the password alone is not enough, nor a code alone.
    const passwordOnly = await post(t, '/auth/reauthenticate', jwt_token, { password: PASSWORD });
    expect(passwordOnly.json().code).toBe('second-factor-required');
    expect((await post(t, '/auth/reauthenticate', jwt_token, { code: codeNow(t, secret) })).statusCode).toBe(400);
    expect(
      (await post(t, '/auth/reauthenticate', jwt_token, { password: PASSWORD, code: codeNow(t, secret) })).statusCode,
    ).toBe(204);
    expect((await post(t, '/auth/mfa/recovery-codes', jwt_token)).statusCode).toBe(200);
    t.clock.advanceSeconds(30);
    expect((await post(t, '/auth/mfa/disable', jwt_token, { code: codeNow(t, secret) })).statusCode).toBe(204);
    expect(await auditCount(t, user.id, 'reauthenticate', 'success')).toBe(1);
  });

  it('stolen access token cannot add a sign-in method (MFA enrolment) without a fresh proof', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    t.clock.advanceSeconds(STALE_SECONDS);
    expect((await post(t, '/auth/mfa/generate', jwt_token)).json().code).toBe('reauthentication-required');
    expect((await post(t, '/auth/mfa/enable', jwt_token, { code: '123456' })).json().code).toBe(
      'reauthentication-required',
    );
  });

  it('change-password is not an unlimited password oracle', async () => {
    const t = get();
    const { jwt_token, user } = await register(t);
    const change = (old: string) =>
      post(t, '/auth/change-password', jwt_token, { old_password: old, new_password: 'a brand new passphrase' });
    for (let i = 0; i < 5; i++) expect((await change(`guess ${i}`)).statusCode).toBe(401);
    const locked = await change('guess 6');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await change(PASSWORD)).statusCode).toBe(429); // the right one too, while locked
    expect((await login(t, user.email)).statusCode).toBe(429); // the same counter as logins
    expect(await auditCount(t, user.id, 'password.verify', 'failure')).toBe(5);
    t.clock.advanceSeconds(3601);
    const fresh = (await login(t, user.email)).json().jwt_token as string;
    const body = { old_password: PASSWORD, new_password: 'a brand new passphrase' };
    expect((await post(t, '/auth/change-password', fresh, body)).statusCode).toBe(204);
  });

  it('re-authentication guesses count toward the login lockout', async () => {
    const t = get();
    const { jwt_token, user } = await register(t);
    for (let i = 0; i < 5; i++)
      expect((await post(t, '/auth/reauthenticate', jwt_token, { password: `guess ${i}` })).statusCode).toBe(401);
    expect((await post(t, '/auth/reauthenticate', jwt_token, { password: PASSWORD })).statusCode).toBe(429);
    expect(await auditCount(t, user.id, 'reauthenticate', 'failure')).toBe(5);
    t.clock.advanceSeconds(3601);
  });

  it('MFA disable guesses are counted', async () => {
    const t = get();
    const { jwt_token, secret, user } = await withMfa(t);
    const disable = (code: string) => post(t, '/auth/mfa/disable', jwt_token, { code });
    for (let i = 0; i < 20; i++) expect((await disable('000000')).statusCode).toBe(401);
    const locked = await disable(codeNow(t, secret));
    expect(locked.statusCode).toBe(429); // 20 wrong codes an hour per user, as at login
    expect(locked.headers['retry-after']).toBeDefined();
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).json().mfa).toEqual({ enabled: true });
    expect(await auditCount(t, user.id, 'mfa.disable', 'failure')).toBe(20);
  });

  it('MFA enable guesses are counted', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    await post(t, '/auth/mfa/generate', jwt_token);
    for (let i = 0; i < 20; i++)
      expect((await post(t, '/auth/mfa/enable', jwt_token, { code: '000000' })).statusCode).toBe(401);
    expect((await post(t, '/auth/mfa/enable', jwt_token, { code: '000000' })).statusCode).toBe(429);
  });

  it('a cookie-mode session needs the same fresh proof, and re-authenticates the same way', async () => {
    const t = get();
    const { user } = await register(t);
    const res = await t.request({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password: PASSWORD, cookie: true },
    });
    const cookie = res.cookies.find((c) => c.name === 'permission_variables')!;
    const cookies = { permission_variables: cookie.value };
    const viaCookie = (url: string, payload: Record<string, unknown>) =>
      t.request({ method: 'POST', url, cookies, payload });
    expect((await viaCookie('/auth/tokens', { name: 'cookie' })).statusCode).toBe(201);
    t.clock.advanceSeconds(STALE_SECONDS);
    expect((await viaCookie('/auth/tokens', { name: 'cookie' })).json().code).toBe('reauthentication-required');
    expect((await viaCookie('/auth/reauthenticate', { password: PASSWORD })).statusCode).toBe(204);
    expect((await viaCookie('/auth/tokens', { name: 'cookie' })).statusCode).toBe(201);
  });

  it('an email change is told to the old address, whose link undoes it and ends every session', async () => {
    const t = get();
    const first = await register(t);
    const old = first.user.email;
    const second = (await login(t, old)).json().jwt_token as string;
    const moved = uniqueEmail('moved');
    expect((await post(t, '/auth/change-email', first.jwt_token, { new_email: moved })).statusCode).toBe(204);
    // Other sessions end.
    expect((await t.request({ url: '/auth/user', headers: bearer(second) })).statusCode).toBe(401);
    const { text, ticket } = await undoMail(t, old);
    expect(text).toContain(moved);
    expect(text).toContain('action=undo-email-change');

    expect((await t.request({ method: 'POST', url: '/auth/change-email/undo', payload: { ticket } })).statusCode).toBe(
      204,
    );
    // Every session ends.
    expect((await t.request({ url: '/auth/user', headers: bearer(first.jwt_token) })).statusCode).toBe(401);
    expect((await login(t, moved)).statusCode).toBe(401);
    expect((await login(t, old)).statusCode).toBe(200);
    expect(await auditCount(t, first.user.id, 'email.change-undo', 'success')).toBe(1);
    const again = await t.request({ method: 'POST', url: '/auth/change-email/undo', payload: { ticket } });
    expect(again.json().code).toBe('invalid-ticket');
  });
});

describe.each(DATABASES)('re-authentication with VERIFY_EMAILS on %s', (db) => {
  const get = useTestApp(db, { VERIFY_EMAILS: 'true', REAUTH_MAX_AGE: '2' });

  it('stolen access token cannot request an email change without a fresh proof (REAUTH_MAX_AGE=2)', async () => {
    const t = get();
    const { jwt_token, user } = await register(t);
    const request = () => post(t, '/auth/change-email/request', jwt_token, { new_email: uniqueEmail('thief') });
    t.clock.advanceSeconds(119);
    expect((await request()).statusCode).toBe(204);
    t.clock.advanceSeconds(2);
    const refused = await request();
    expect(refused.json()).toMatchObject({
      code: 'reauthentication-required',
      message: expect.stringContaining('2 minutes'),
    });
    expect((await post(t, '/auth/reauthenticate', jwt_token, { password: PASSWORD })).statusCode).toBe(204);
    expect((await request()).statusCode).toBe(204);
    expect(user.email).toBeTruthy();
  });

  it('a confirmed email change mails the old address an undo link', async () => {
    const t = get();
    const { jwt_token, user } = await register(t);
    const moved = uniqueEmail('confirmed');
    expect((await post(t, '/auth/change-email/request', jwt_token, { new_email: moved })).statusCode).toBe(204);
    await t.app.services.background.drain();
    const dir = path.join(t.config.dataDir, 'outbox');
    let confirm: string | undefined;
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('-change-email.txt'))) {
      const text = await readFile(path.join(dir, name), 'utf8');
      if (text.startsWith(`To: ${moved}\n`)) confirm = /Ticket: (\S+)/.exec(text)![1];
    }
    expect(
      (await t.request({ method: 'POST', url: '/auth/change-email/change', payload: { ticket: confirm } })).statusCode,
    ).toBe(204);
    const { ticket } = await undoMail(t, user.email);
    expect((await t.request({ method: 'POST', url: '/auth/change-email/undo', payload: { ticket } })).statusCode).toBe(
      204,
    );
    expect((await login(t, user.email)).statusCode).toBe(200);
  });
});
