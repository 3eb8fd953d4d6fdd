import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register, uniqueEmail } from './helpers/auth.js';
import { useSmtp } from './helpers/smtp.js';
import { addPasskey, secondStepWithPasskey } from './helpers/soft-authenticator.js';

const SUCCESS = 'https://app.example.com/welcome?from=mail';
const ERROR = 'https://app.example.com/oops';

const pathOf = (link: string) => {
  const u = new URL(link);
  return `${u.pathname}${u.search}`;
};

describe.each(DATABASES)('activation on %s', (db) => {
  const smtp = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtp().env,
    AUTO_ACTIVATE_NEW_USERS: 'false',
    SERVER_URL: 'https://auth.example.com',
    REDIRECT_URL_SUCCESS: SUCCESS,
    REDIRECT_URL_ERROR: ERROR,
  }));

  async function registerInactive(t: TestApp, headers: Record<string, string> = {}) {
    const email = uniqueEmail('inactive');
    const res = await t.request({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password: PASSWORD },
      headers,
    });
    expect(res.json().jwt_token).toBeNull();
    return email;
  }

  it('mails an activation link built from SERVER_URL, never from the Host header', async () => {
    const t = get();
    const email = await registerInactive(t, { host: 'evil.example.net', 'x-forwarded-host': 'evil.example.net' });
    const mail = await smtp().waitFor(email, /Activate/);
    expect(mail.links).toHaveLength(1);
    expect(mail.links[0]).toMatch(/^https:\/\/auth\.example\.com\/auth\/activate\?ticket=[A-Za-z0-9_-]{43}$/);
    expect(mail.html).toContain('href="https://auth.example.com/auth/activate?ticket=');
  });

  it('activates from the link, redirects with a refresh token and keeps the existing query', async () => {
    const t = get();
    const email = await registerInactive(t);
    const link = (await smtp().waitFor(email)).links[0]!;
    expect((await login(t, email)).statusCode).toBe(401);
    const res = await t.request({ url: pathOf(link) });
    expect(res.statusCode).toBe(302);
    const target = new URL(res.headers.location as string);
    expect(`${target.origin}${target.pathname}`).toBe('https://app.example.com/welcome');
    expect(target.searchParams.get('from')).toBe('mail');
    const refresh = await t.request({
      url: `/auth/token/refresh?refresh_token=${target.searchParams.get('refresh_token')}`,
    });
    expect(refresh.statusCode).toBe(200);
    expect((await login(t, email)).statusCode).toBe(200);
    const me = (await t.request({ url: '/auth/user', headers: bearer(refresh.json().jwt_token) })).json();
    expect(me).toMatchObject({ active: true, email_verified: true });
  });

  it('refuses a second use of the link, and an expired one, by redirecting to the error URL', async () => {
    const t = get();
    const email = await registerInactive(t);
    const link = pathOf((await smtp().waitFor(email)).links[0]!);
    expect((await t.request({ url: link })).statusCode).toBe(302);
    const again = await t.request({ url: link });
    expect(again.headers.location).toBe(`${ERROR}?error=invalid-ticket`);

    const late = await registerInactive(t);
    const lateLink = pathOf((await smtp().waitFor(late)).links[0]!);
    t.clock.advanceSeconds(24 * 3600 + 1);
    expect((await t.request({ url: lateLink })).headers.location).toBe(`${ERROR}?error=invalid-ticket`);
    t.clock.advanceSeconds(-(24 * 3600 + 1));
  });

  it('resends the activation mail, always answering 204, only to inactive accounts', async () => {
    const t = get();
    const email = await registerInactive(t);
    await smtp().waitFor(email);
    const known = await t.request({ method: 'POST', url: '/auth/activate/resend', payload: { email } });
    const unknownEmail = uniqueEmail('ghost');
    const unknown = await t.request({ method: 'POST', url: '/auth/activate/resend', payload: { email: unknownEmail } });
    expect([known.statusCode, unknown.statusCode]).toEqual([204, 204]);
    expect(known.body).toBe(unknown.body);
    const resent = await smtp().waitFor(email);
    expect(await smtp().nothingFor(unknownEmail)).toBe(true);
    // The new link works; the first one was replaced by it.
    expect(
      new URL((await t.request({ url: pathOf(resent.links[0]!) })).headers.location as string).searchParams.get(
        'refresh_token',
      ),
    ).toBeTruthy();
  });

  it('limits resends per address with 429', async () => {
    const t = get();
    const email = uniqueEmail('flood');
    const codes = [];
    for (let i = 0; i < 6; i++)
      codes.push((await t.request({ method: 'POST', url: '/auth/activate/resend', payload: { email } })).statusCode);
    expect(codes).toEqual([204, 204, 204, 204, 204, 429]);
  });
});

describe.each(DATABASES)('redirect token in the fragment on %s', (db) => {
  const smtp = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtp().env,
    AUTO_ACTIVATE_NEW_USERS: 'false',
    REDIRECT_URL_SUCCESS: SUCCESS,
    REDIRECT_TOKEN_IN: 'fragment',
  }));

  it('puts the refresh token in the fragment, out of server logs', async () => {
    const t = get();
    const email = uniqueEmail();
    await t.request({ method: 'POST', url: '/auth/register', payload: { email, password: PASSWORD } });
    const res = await t.request({ url: pathOf((await smtp().waitFor(email)).links[0]!) });
    const target = new URL(res.headers.location as string);
    expect(target.search).toBe('?from=mail');
    expect(new URLSearchParams(target.hash.slice(1)).get('refresh_token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe.each(DATABASES)('magic links on %s', (db) => {
  const smtp = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtp().env,
    MAGIC_LINK_ENABLED: 'true',
    REDIRECT_URL_SUCCESS: SUCCESS,
    REDIRECT_URL_ERROR: ERROR,
  }));

  it('registers without a password and activates with the first link', async () => {
    const t = get();
    const email = uniqueEmail('magic');
    const res = await t.request({ method: 'POST', url: '/auth/register', payload: { email } });
    expect(res.json()).toEqual({ magicLink: true });
    const link = (await smtp().waitFor(email, /sign-in/)).links[0]!;
    expect(link).toContain('action=register');
    const done = await t.request({ url: pathOf(link) });
    expect(new URL(done.headers.location as string).searchParams.get('refresh_token')).toBeTruthy();
    // No password exists: a password login cannot succeed.
    expect((await login(t, email, 'anything at all 1')).statusCode).toBe(401);
  });

  it('logs in with a link; an unknown address gets the same answer and no mail', async () => {
    const t = get();
    const { user } = await register(t);
    const ghost = uniqueEmail('ghost');
    const known = await t.request({ method: 'POST', url: '/auth/login', payload: { email: user.email } });
    const unknown = await t.request({ method: 'POST', url: '/auth/login', payload: { email: ghost } });
    expect([known.statusCode, unknown.statusCode]).toEqual([200, 200]);
    expect(known.body).toBe(unknown.body);
    expect(known.json()).toEqual({ magicLink: true });
    const link = (await smtp().waitFor(user.email)).links[0]!;
    expect(await smtp().nothingFor(ghost)).toBe(true);
    expect(link).toContain('action=log-in');
    // The action is part of the ticket: the link cannot be replayed as a registration.
    const wrongAction = await t.request({ url: pathOf(link.replace('action=log-in', 'action=register')) });
    expect(wrongAction.headers.location).toBe(`${ERROR}?error=validation-failed`);
  });

  it('asks a user with a passkey for it after the link, as after a password (no session from the link alone)', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const device = await addPasskey(t, jwt_token);
    await t.request({ method: 'POST', url: '/auth/login', payload: { email: user.email } });
    const link = (await smtp().waitFor(user.email)).links[0]!;
    const back = new URL((await t.request({ url: pathOf(link) })).headers.location as string);
    const hash = new URLSearchParams(back.hash.slice(1));
    const got = (k: string) => back.searchParams.get(k) ?? hash.get(k);
    expect([got('mfa'), got('methods'), got('refresh_token')]).toEqual(['true', 'webauthn', null]);
    const done = await secondStepWithPasskey(t, device, got('ticket')!);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().user.id).toBe(user.id);
  });

  it('sets the refresh cookie instead of a query parameter with cookie=true, once', async () => {
    const t = get();
    const { user } = await register(t);
    await t.request({ method: 'POST', url: '/auth/login', payload: { email: user.email } });
    const link = (await smtp().waitFor(user.email)).links[0]!;
    const res = await t.request({ url: `${pathOf(link)}&cookie=true` });
    expect(res.headers.location).toBe(SUCCESS);
    expect(res.cookies.find((c) => c.name === 'refresh_token')?.httpOnly).toBe(true);
    expect((await t.request({ url: pathOf(link) })).headers.location).toBe(`${ERROR}?error=invalid-ticket`);
  });

  it('expires after 15 minutes', async () => {
    const t = get();
    const { user } = await register(t);
    await t.request({ method: 'POST', url: '/auth/login', payload: { email: user.email } });
    const link = (await smtp().waitFor(user.email)).links[0]!;
    t.clock.advanceSeconds(15 * 60 + 1);
    expect((await t.request({ url: pathOf(link) })).headers.location).toBe(`${ERROR}?error=invalid-ticket`);
    t.clock.advanceSeconds(-(15 * 60 + 1));
  });
});

describe.each(DATABASES)('with every lifecycle flag off on %s', (db) => {
  const get = useTestApp(db, {
    MAGIC_LINK_ENABLED: 'false',
    LOST_PASSWORD_ENABLED: 'false',
    ALLOW_USER_SELF_DELETE: 'false',
    MFA_ENABLED: 'false',
    VERIFY_EMAILS: 'false',
  });

  it.each([
    ['GET', '/auth/magic-link?token=x&action=log-in', 'MAGIC_LINK_ENABLED=true'],
    ['POST', '/auth/change-password/request', 'LOST_PASSWORD_ENABLED=true'],
    ['POST', '/auth/change-password/change', 'LOST_PASSWORD_ENABLED=true'],
    ['POST', '/auth/change-email/request', 'VERIFY_EMAILS=true'],
    ['POST', '/auth/change-email/change', 'VERIFY_EMAILS=true'],
    ['POST', '/auth/delete', 'ALLOW_USER_SELF_DELETE=true'],
    ['POST', '/auth/mfa/generate', 'MFA_ENABLED=true'],
    ['POST', '/auth/mfa/totp', 'MFA_ENABLED=true'],
  ] as const)('%s %s answers 404 naming %s', async (method, url, variable) => {
    const res = await get().request({ method, url, payload: method === 'POST' ? {} : undefined });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'feature-disabled', message: expect.stringContaining(variable) });
  });

  it('changes the email at once and tells the old address an undo link, NOTIFY_EMAIL_CHANGE off', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const res = await t.request({
      method: 'POST',
      url: '/auth/change-email',
      headers: bearer(jwt_token),
      payload: { new_email: uniqueEmail('moved') },
    });
    expect(res.statusCode).toBe(204);
    await t.app.services.background.drain();
    const mails = await readdir(path.join(t.config.dataDir, 'outbox'));
    expect(mails.filter((m) => m.endsWith('-email-change-undo.eml'))).toHaveLength(1);
  });

  it('asks for a password when magic links are off', async () => {
    const res = await get().request({ method: 'POST', url: '/auth/login', payload: { email: uniqueEmail() } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('MAGIC_LINK_ENABLED');
  });
});
