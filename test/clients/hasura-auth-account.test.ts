import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { authenticator, useHasuraAuth } from '../helpers/hasura-auth-clients.js';
import { useSmtp } from '../helpers/smtp.js';
import { freshEmail, SERVER_URL, type LiveServer } from './harness/server.js';

// The account flows of the hasura-auth door through @nhost/hasura-auth-js 2.12.0 and @nhost/nhost-js 4.7.0,
// unchanged, with mail through a real SMTP server. Mounted at /v1 (nhost-js 4 needs an auth URL ending in /v1).
const PASSWORD = 'hasura account passphrase 3';
const MOUNT = '/v1';
const APP = `${SERVER_URL}/app`;

/** Follows a mailed link as a browser would, up to the redirect it answers with. */
async function follow(live: LiveServer, link: string): Promise<URL> {
  expect(link.startsWith(`${SERVER_URL}${MOUNT}/verify?`)).toBe(true);
  const res = await fetch(link.replace(SERVER_URL, live.url), { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

const linkOf = (mail: { links: string[] }) => mail.links.find((l) => l.includes('/verify?'))!;

describe.each(DATABASES)('hasura-auth account flows on %s', (db) => {
  const smtp = useSmtp();
  const {
    server,
    hasura,
    nhost: nhostClient,
  } = useHasuraAuth(db, {
    mount: MOUNT,
    env: () => ({ ...smtp().env, MAGIC_LINK_ENABLED: 'true', HASURA_AUTH_ANONYMOUS_USERS: 'true' }),
  });

  it('changes the password of a freshly signed-in session; the old password and the other sessions end', async () => {
    const live = server();
    const email = freshEmail('ha-pw');
    const auth = hasura();
    await auth.signUp({ email, password: PASSWORD });
    const other = hasura();
    await other.signIn({ email, password: PASSWORD });
    expect((await auth.changePassword({ newPassword: `${PASSWORD} new` })).error).toBeNull();
    const old = await hasura().signIn({ email, password: PASSWORD });
    expect(old.error).toMatchObject({ error: 'invalid-email-password' });
    expect((await hasura().signIn({ email, password: `${PASSWORD} new` })).error).toBeNull();
    const stale = await fetch(`${live.url}${MOUNT}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: other.getSession()!.refreshToken }),
    });
    expect(await stale.json()).toMatchObject({ status: 401, error: 'invalid-refresh-token' });
  });

  it('resets a forgotten password through the mailed /verify link and the ticket it hands to the app', async () => {
    const live = server();
    const email = freshEmail('ha-reset');
    await hasura().signUp({ email, password: PASSWORD });
    const auth = hasura();
    expect((await auth.resetPassword({ email, options: { redirectTo: APP } })).error).toBeNull();
    const location = await follow(live, linkOf(await smtp().waitFor(email)));
    expect(`${location.origin}${location.pathname}`).toBe(APP);
    expect(location.searchParams.get('type')).toBe('passwordReset');
    const ticket = location.searchParams.get('ticket')!;
    expect((await auth.changePassword({ newPassword: `${PASSWORD} reset`, ticket })).error).toBeNull();
    expect((await hasura().signIn({ email, password: `${PASSWORD} reset` })).error).toBeNull();
    // A ticket is single use.
    const again = await auth.changePassword({ newPassword: `${PASSWORD} twice`, ticket });
    expect(again.error).toMatchObject({ status: 401, error: 'invalid-ticket' });
  });

  it('refuses a redirectTo outside the allow-list (an open redirect through a mailed link)', async () => {
    const live = server();
    const res = await fetch(`${live.url}${MOUNT}/user/password/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: freshEmail('ha-evil'), options: { redirectTo: 'https://evil.example/steal' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, error: 'redirectTo-not-allowed' });
    const link = await fetch(`${live.url}${MOUNT}/verify?ticket=x&type=emailVerify&redirectTo=https://evil.example/`, {
      redirect: 'manual',
    });
    expect(link.status).toBe(400);
  });

  it('verifies the address through the mailed link, which signs the client in with its refreshToken', async () => {
    const live = server();
    const email = freshEmail('ha-verify');
    const nhost = nhostClient();
    await nhost.auth.signUpEmailPassword({ email, password: PASSWORD });
    expect((await nhost.auth.getUser()).body.emailVerified).toBe(false);
    await nhost.auth.sendVerificationEmail({ email, options: { redirectTo: APP } });
    const location = await follow(live, linkOf(await smtp().waitFor(email)));
    expect(location.searchParams.get('type')).toBe('emailVerify');
    const refreshToken = location.searchParams.get('refreshToken')!;
    const auth = hasura();
    const signedIn = await auth.refreshSession(refreshToken);
    expect(signedIn.error).toBeNull();
    expect(auth.getUser()).toMatchObject({ email, emailVerified: true });
  });

  it('changes the address at once (VERIFY_EMAILS=false) and signs in with the new one', async () => {
    const email = freshEmail('ha-email');
    const newEmail = freshEmail('ha-email-new');
    const auth = hasura();
    await auth.signUp({ email, password: PASSWORD });
    expect((await auth.changeEmail({ newEmail })).error).toBeNull();
    expect((await hasura().signIn({ email: newEmail, password: PASSWORD })).error).toBeNull();
    // The old address is told, with a link that undoes the change.
    expect((await smtp().waitFor(email)).text).toContain(newEmail);
  });

  it('signs in with a magic link (nhost-js), and an unknown address gets an account from its first link', async () => {
    const live = server();
    const email = freshEmail('ha-magic');
    const nhost = nhostClient();
    const sent = await nhost.auth.signInPasswordlessEmail({ email, options: { redirectTo: APP } });
    expect(sent.body).toBe('OK');
    const link = linkOf(await smtp().waitFor(email));
    const location = await follow(live, link);
    expect(location.searchParams.get('type')).toBe('signinPasswordless');
    const session = await nhost.auth.refreshToken({ refreshToken: location.searchParams.get('refreshToken')! });
    expect(session.body.user).toMatchObject({ email, emailVerified: true });
    // The link is spent: a second visit lands on the app with hasura-auth's error parameters.
    const reused = await follow(live, link);
    expect(reused.searchParams.get('refreshToken')).toBeNull();
    expect(reused.searchParams.get('error')).toBe('invalid-ticket');
  });

  it('turns TOTP on with nhost-js, signs in with its code, and turns it off again', async () => {
    const live = server();
    const email = freshEmail('ha-totp');
    const nhost = nhostClient();
    await nhost.auth.signUpEmailPassword({ email, password: PASSWORD });
    const { body } = await nhost.auth.changeUserMfa();
    expect(body.imageUrl).toMatch(/^data:image\/png;base64,/);
    await nhost.auth.verifyChangeUserMfa({ code: authenticator(body.totpSecret, live), activeMfaType: 'totp' });
    live.t.clock.advance(31_000);

    const auth = hasura();
    const first = await auth.signIn({ email, password: PASSWORD });
    expect(first.mfa?.ticket).toMatch(/^mfaTotp:/);
    const wrong = await auth.signIn({ otp: '000000', ticket: first.mfa!.ticket });
    expect(wrong.error).toMatchObject({ status: 401, error: 'invalid-totp' });
    const done = await auth.signIn({ otp: authenticator(body.totpSecret, live), ticket: first.mfa!.ticket });
    expect(done.error).toBeNull();
    live.t.clock.advance(31_000);
    await nhost.auth.verifyChangeUserMfa({ code: authenticator(body.totpSecret, live), activeMfaType: '' });
    expect((await nhost.auth.getUser()).body.activeMfaType).toBeNull();
  });

  it("creates a PAT and signs in with it; the token is HumHub's bearer token too, and its session mints no other", async () => {
    const live = server();
    const email = freshEmail('ha-pat');
    const auth = hasura();
    await auth.signUp({ email, password: PASSWORD });
    const expiresAt = new Date(live.t.clock.now().getTime() + 86_400_000);
    const created = await auth.createPAT(expiresAt, { name: 'ci' });
    expect(created.error).toBeNull();
    const pat = created.data!.personalAccessToken;

    const robot = hasura();
    const signedIn = await robot.signInPAT(pat!);
    expect(signedIn.error).toBeNull();
    expect(robot.getUser()?.email).toBe(email);
    const humhub = await fetch(`${live.url}/api/v1/auth/current`, { headers: { authorization: `Bearer ${pat}` } });
    expect(humhub.status).toBe(200);
    // Token escalation: a session opened by a token proved no secret, so it cannot mint a longer-lived token.
    const again = await robot.createPAT(new Date(expiresAt.getTime() + 86_400_000));
    expect(again.error).toMatchObject({ status: 403 });
    const wrong = await hasura().signInPAT('not-a-token');
    expect(wrong.error).toMatchObject({ status: 401, error: 'invalid-pat' });
  });

  it('signs in anonymously, is refused what needs an identity, then deanonymizes and signs in with a password', async () => {
    const live = server();
    const auth = hasura();
    const anon = await auth.signIn(); // no parameters: hasura-auth-js's anonymous sign-in
    expect(anon.error).toBeNull();
    expect(anon.session?.user).toMatchObject({ isAnonymous: true, email: null, defaultRole: 'anonymous' });
    expect(auth.getHasuraClaim('default-role')).toBe('anonymous');
    expect(auth.getHasuraClaim('user-is-anonymous')).toBe('true');
    const pat = await auth.createPAT(new Date(live.t.clock.now().getTime() + 86_400_000));
    expect(pat.error).toMatchObject({ status: 403, error: 'forbidden-anonymous' });

    const email = freshEmail('ha-anon');
    // signUp of a signed-in anonymous user is hasura-auth-js's way to deanonymize it.
    const done = await auth.signUp({ email, password: PASSWORD });
    expect(done.error).toBeNull();
    // As hasura-auth, the anonymous session ends; the account signs in with its new credentials.
    expect(auth.isAuthenticated()).toBe(false);
    const signedIn = await auth.signIn({ email, password: PASSWORD });
    expect(signedIn.session?.user).toMatchObject({ isAnonymous: false, email, defaultRole: 'user' });
    // The same account, now with a password: it opens on the other doors too.
    const humhub = await fetch(`${live.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: email, password: PASSWORD }),
    });
    expect(humhub.status).toBe(200);
    const twice = await fetch(`${live.url}${MOUNT}/user/deanonymize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.getAccessToken()}` },
      body: JSON.stringify({ signInMethod: 'email-password', email: freshEmail('ha-anon2'), password: PASSWORD }),
    });
    expect(await twice.json()).toMatchObject({ status: 400, error: 'user-not-anonymous' });
    // The anonymous user's old refresh token is dead.
    const stale = await fetch(`${live.url}${MOUNT}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: anon.session!.refreshToken }),
    });
    expect(stale.status).toBe(401);
  });

  it('signs in with an emailed one-time code: a wrong code is invalid-otp, the code works once, 5 misses void it', async () => {
    const live = server();
    const email = freshEmail('ha-otp');
    await hasura().signUp({ email, password: PASSWORD });
    const auth = hasura();
    const codeOf = async () => /code is (\d{6})/.exec((await smtp().waitFor(email, /code/)).text)![1]!;

    expect((await auth.signInEmailOTP(email)).error).toBeNull();
    const code = await codeOf();
    const miss = code === '000000' ? '000001' : '000000';
    // hasura-auth-js files this failure where its promise does not look (error stays null): the session tells.
    expect((await auth.verifyEmailOTP(email, miss)).session).toBeNull();
    const wire = await fetch(`${live.url}${MOUNT}/signin/otp/email/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, otp: miss }),
    });
    expect(await wire.json()).toEqual({ status: 400, error: 'invalid-otp', message: 'Invalid or expired OTP' });
    const right = await auth.verifyEmailOTP(email, code);
    expect(right.error).toBeNull();
    expect(right.session?.user).toMatchObject({ email, emailVerified: true });
    expect((await hasura().verifyEmailOTP(email, code)).session).toBeNull();

    // Brute force of a 6-digit code: after 5 misses even the right code is refused.
    await hasura().signInEmailOTP(email);
    const next = await codeOf();
    for (let i = 0; i < 5; i++) await hasura().verifyEmailOTP(email, next === '111111' ? '222222' : '111111');
    expect((await hasura().verifyEmailOTP(email, next)).session).toBeNull();
  });
});
