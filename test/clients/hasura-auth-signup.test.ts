import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { postJson, useHasuraAuth } from '../helpers/hasura-auth-clients.js';
import { useSmtp } from '../helpers/smtp.js';
import { freshEmail, SERVER_URL, type LiveServer } from './harness/server.js';

// Accounts made without a password on the hasura-auth door, through @nhost/hasura-auth-js 2.12.0 and
// @nhost/nhost-js 4.7.0 unchanged, with mail through a real SMTP server: passwordless deanonymize (a magic link
// to the new address), sign-up by email code, and where /verify's redirect carries the refresh token.
const MOUNT = '/v1';
const APP = `${SERVER_URL}/app`;

/** Follows a mailed /verify link as a browser would, up to the redirect it answers with. */
async function follow(live: LiveServer, link: string): Promise<URL> {
  expect(link.startsWith(`${SERVER_URL}${MOUNT}/verify?`)).toBe(true);
  const res = await fetch(link.replace(SERVER_URL, live.url), { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

const verifyLink = (mail: { links: string[] }) => mail.links.find((l) => l.includes('/verify?'))!;
const codeIn = (mail: { text: string }) => /code is (\d{6})/.exec(mail.text)![1]!;

describe.each(DATABASES)('hasura-auth accounts without a password on %s', (db) => {
  const smtp = useSmtp();
  const { server, hasura, nhost } = useHasuraAuth(db, {
    mount: MOUNT,
    env: () => ({ ...smtp().env, MAGIC_LINK_ENABLED: 'true', HASURA_AUTH_ANONYMOUS_USERS: 'true' }),
  });

  it('deanonymizes passwordless: the anonymous session ends, the magic link to the new address signs the account in', async () => {
    const live = server();
    const auth = hasura();
    const anon = await auth.signIn();
    expect(anon.error).toBeNull();
    expect(auth.getHasuraClaim('user-is-anonymous')).toBe('true');
    const email = freshEmail('ha-deanon-magic');
    // hasura-auth-js sends a signed-in anonymous user's passwordless sign-in to /user/deanonymize.
    const done = await auth.deanonymize({ signInMethod: 'passwordless', connection: 'email', email });
    expect(done.error).toBeNull();
    const stale = await postJson(live, `${MOUNT}/token`, { refreshToken: anon.session!.refreshToken });
    expect(await stale.json()).toMatchObject({ status: 401, error: 'invalid-refresh-token' });

    const location = await follow(live, verifyLink(await smtp().waitFor(email)));
    expect(location.searchParams.get('type')).toBe('signinPasswordless');
    const signedIn = hasura();
    expect((await signedIn.refreshSession(location.searchParams.get('refreshToken')!)).error).toBeNull();
    expect(signedIn.getUser()).toMatchObject({
      id: anon.session!.user.id,
      email,
      emailVerified: true,
      isAnonymous: false,
      defaultRole: 'user',
      roles: ['user'],
    });
    expect(signedIn.getHasuraClaim('user-is-anonymous')).toBe('false');
    expect(signedIn.getHasuraClaim('default-role')).toBe('user');
    // No password was given: none signs in.
    const guessed = await hasura().signIn({ email, password: 'any password at all 1' });
    expect(guessed.error).toMatchObject({ status: 401, error: 'invalid-email-password' });
  });

  it('refuses a passwordless deanonymize to an address another account has, and by SMS', async () => {
    const live = server();
    const taken = freshEmail('ha-deanon-taken');
    await hasura().signUp({ email: taken, password: 'a taken passphrase 12' });
    const auth = hasura();
    await auth.signIn();
    const headers = { authorization: `Bearer ${auth.getAccessToken()}` };
    const body = { signInMethod: 'passwordless', connection: 'email', email: taken };
    const res = await postJson(live, `${MOUNT}/user/deanonymize`, body, headers);
    expect(await res.json()).toMatchObject({ status: 409, error: 'email-already-in-use' });
    const sms = { signInMethod: 'passwordless', connection: 'sms', email: freshEmail('ha-sms') };
    expect(await (await postJson(live, `${MOUNT}/user/deanonymize`, sms, headers)).json()).toMatchObject({
      status: 400,
      error: 'invalid-request',
    });
    // Still anonymous, and still signed in: nothing was changed.
    expect((await auth.refreshSession()).session?.user).toMatchObject({ isAnonymous: true, email: null });
  });

  it('signs an unknown address up by email code, with the options it gave, and answers as for a known one', async () => {
    const live = server();
    const email = freshEmail('ha-otp-new');
    const auth = hasura();
    const sent = await auth.signInEmailOTP(email, { displayName: 'Otto Code', locale: 'fr' });
    expect(sent.error).toBeNull();
    const signedIn = await auth.verifyEmailOTP(email, codeIn(await smtp().waitFor(email, /code/)));
    expect(signedIn.error).toBeNull();
    expect(signedIn.session?.user).toMatchObject({
      email,
      displayName: 'Otto Code',
      locale: 'fr',
      emailVerified: true,
      isAnonymous: false,
      defaultRole: 'user',
    });

    // No user enumeration: a known and an unknown address get the same answer, a refused role the same refusal.
    const known = await postJson(live, `${MOUNT}/signin/otp/email`, { email });
    const unknown = await postJson(live, `${MOUNT}/signin/otp/email`, { email: freshEmail('ha-otp-other') });
    expect([unknown.status, await unknown.json()]).toEqual([known.status, await known.json()]);
    const admin = { options: { allowedRoles: ['admin'], defaultRole: 'admin' } };
    const roleKnown = await postJson(live, `${MOUNT}/signin/otp/email`, { email, ...admin });
    const roleUnknown = await postJson(live, `${MOUNT}/signin/otp/email`, { email: freshEmail('x'), ...admin });
    expect(await roleKnown.json()).toEqual(await roleUnknown.json());
    expect(roleKnown.status).toBe(400);
  });

  it("signs up with nhost-js 4's signUpOTPEmail, and the code works once", async () => {
    const email = freshEmail('ha-otp-nhost');
    const client = nhost();
    const sent = await client.auth.signUpOTPEmail({ email });
    expect(sent.body).toBe('OK');
    const code = codeIn(await smtp().waitFor(email, /code/));
    const verified = await client.auth.verifySignInOTPEmail({ email, otp: code });
    expect(verified.body.session?.user).toMatchObject({ email, emailVerified: true });
    await expect(nhost().auth.verifySignInOTPEmail({ email, otp: code })).rejects.toMatchObject({ status: 400 });
  });
});

describe.each(DATABASES)('hasura-auth /verify with HASURA_AUTH_REDIRECT_TOKEN_IN=fragment on %s', (db) => {
  const smtp = useSmtp();
  const { server, hasura } = useHasuraAuth(db, {
    mount: MOUNT,
    env: () => ({ ...smtp().env, MAGIC_LINK_ENABLED: 'true', HASURA_AUTH_REDIRECT_TOKEN_IN: 'fragment' }),
  });

  it('carries refreshToken and type in the fragment (out of server logs), which hasura-auth-js signs in with', async () => {
    const live = server();
    const email = freshEmail('ha-fragment');
    const sent = await postJson(live, `${MOUNT}/signin/passwordless/email`, { email, options: { redirectTo: APP } });
    expect(sent.status).toBe(200);
    const location = await follow(live, verifyLink(await smtp().waitFor(email)));
    expect(`${location.origin}${location.pathname}${location.search}`).toBe(APP);
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('type')).toBe('signinPasswordless');
    const auth = hasura();
    expect((await auth.refreshSession(fragment.get('refreshToken')!)).error).toBeNull();
    expect(auth.getUser()).toMatchObject({ email, emailVerified: true });
  });
});
