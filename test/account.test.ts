import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register, uniqueEmail } from './helpers/auth.js';
import { useSmtp } from './helpers/smtp.js';

const ticketOf = (link: string) => new URL(link).searchParams.get('ticket')!;

describe.each(DATABASES)('lost password on %s', (db) => {
  const smtpOf = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtpOf().env,
    LOST_PASSWORD_ENABLED: 'true',
    REDIRECT_URL_SUCCESS: 'https://app.example.com/reset',
    AUTO_ACTIVATE_NEW_USERS: 'true',
  }));

  it('always answers 204 and mails only existing accounts', async () => {
    const t = get();
    const { user } = await register(t);
    const ghost = uniqueEmail('ghost');
    const known = await t.request({
      method: 'POST',
      url: '/auth/change-password/request',
      payload: { email: user.email },
    });
    const unknown = await t.request({
      method: 'POST',
      url: '/auth/change-password/request',
      payload: { email: ghost },
    });
    expect([known.statusCode, unknown.statusCode, known.body]).toEqual([204, 204, unknown.body]);
    const mail = await smtpOf().waitFor(user.email, /Reset/);
    expect(mail.links[0]).toMatch(/^https:\/\/app\.example\.com\/reset\?action=reset-password&ticket=/);
    expect(await smtpOf().nothingFor(ghost)).toBe(true);
  });

  it('sets the new password with the ticket, once, and ends every session', async () => {
    const t = get();
    const session = await register(t);
    await t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email: session.user.email } });
    const ticket = ticketOf((await smtpOf().waitFor(session.user.email)).links[0]!);
    const weak = await t.request({
      method: 'POST',
      url: '/auth/change-password/change',
      payload: { ticket, new_password: 'password' },
    });
    expect(weak.statusCode).toBe(400); // and the ticket survives a weak choice
    const ok = await t.request({
      method: 'POST',
      url: '/auth/change-password/change',
      payload: { ticket, new_password: 'a fresh passphrase 7' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await t.request({ url: `/auth/token/refresh?refresh_token=${session.refresh_token}` })).statusCode).toBe(
      401,
    );
    expect((await login(t, session.user.email)).statusCode).toBe(401);
    expect((await login(t, session.user.email, 'a fresh passphrase 7')).statusCode).toBe(200);
    const again = await t.request({
      method: 'POST',
      url: '/auth/change-password/change',
      payload: { ticket, new_password: 'another passphrase 8' },
    });
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe('invalid-ticket');
  });

  it('refuses a ticket of another kind, and an expired one', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    // An MFA ticket (another purpose) is not a reset ticket.
    await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(jwt_token) });
    const mfaTicket = await t.app.services.tickets.issue('mfa', user);
    const other = await t.request({
      method: 'POST',
      url: '/auth/change-password/change',
      payload: { ticket: mfaTicket, new_password: 'a fresh passphrase 7' },
    });
    expect(other.statusCode).toBe(401);
    await t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email: user.email } });
    const ticket = ticketOf((await smtpOf().waitFor(user.email)).links[0]!);
    t.clock.advanceSeconds(15 * 60 + 1);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/change-password/change',
          payload: { ticket, new_password: 'a fresh passphrase 7' },
        })
      ).statusCode,
    ).toBe(401);
    t.clock.advanceSeconds(-(15 * 60 + 1));
  });
});

describe.each(DATABASES)('email change without verification on %s', (db) => {
  const smtpOf = useSmtp();
  const get = useTestApp(db, () => ({ ...smtpOf().env, VERIFY_EMAILS: 'false', NOTIFY_EMAIL_CHANGE: 'true' }));

  it('changes the address at once and tells the old one', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const next = uniqueEmail('next');
    const res = await t.request({
      method: 'POST',
      url: '/auth/change-email',
      headers: bearer(jwt_token),
      payload: { new_email: next.toUpperCase() },
    });
    expect(res.statusCode).toBe(204);
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).json().email).toBe(next);
    const notice = await smtpOf().waitFor(user.email, /changed/);
    expect(notice.text).toContain(next);
    expect((await login(t, next)).statusCode).toBe(200);
  });

  it('answers 409 for an address in use and 404 on the verification routes', async () => {
    const t = get();
    const a = await register(t);
    const b = await register(t);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/change-email',
          headers: bearer(a.jwt_token),
          payload: { new_email: b.user.email },
        })
      ).statusCode,
    ).toBe(409);
    const req = await t.request({
      method: 'POST',
      url: '/auth/change-email/request',
      headers: bearer(a.jwt_token),
      payload: { new_email: uniqueEmail() },
    });
    expect(req.statusCode).toBe(404);
    expect(req.json().message).toContain('VERIFY_EMAILS=true');
  });
});

describe.each(DATABASES)('email change with verification on %s', (db) => {
  const smtpOf = useSmtp();
  const get = useTestApp(db, () => ({ ...smtpOf().env, VERIFY_EMAILS: 'true', NOTIFY_EMAIL_CHANGE: 'true' }));

  it('mails a ticket to the new address and applies it once', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const next = uniqueEmail('verified');
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/change-email/request',
          headers: bearer(jwt_token),
          payload: { new_email: next },
        })
      ).statusCode,
    ).toBe(204);
    const ticket = ticketOf((await smtpOf().waitFor(next, /Confirm/)).links[0]!);
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).json().email).toBe(user.email);
    expect(
      (await t.request({ method: 'POST', url: '/auth/change-email/change', payload: { ticket } })).statusCode,
    ).toBe(204);
    // A confirmed change ends every session: the old access token stops, the new address signs in.
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).statusCode).toBe(401);
    const fresh = (await login(t, next)).json();
    const me = (await t.request({ url: '/auth/user', headers: bearer(fresh.jwt_token) })).json();
    expect(me).toMatchObject({ email: next, email_verified: true });
    await smtpOf().waitFor(user.email, /changed/);
    expect(
      (await t.request({ method: 'POST', url: '/auth/change-email/change', payload: { ticket } })).statusCode,
    ).toBe(401);
    const direct = await t.request({
      method: 'POST',
      url: '/auth/change-email',
      headers: bearer(fresh.jwt_token),
      payload: { new_email: uniqueEmail() },
    });
    expect(direct.statusCode).toBe(404);
    expect(direct.json().message).toContain('VERIFY_EMAILS=false');
  });
});

describe.each(DATABASES)('self-delete on %s', (db) => {
  const get = useTestApp(db, { ALLOW_USER_SELF_DELETE: 'true' });

  it('deletes the user with their tokens; the email can register again', async () => {
    const t = get();
    const a = await register(t);
    expect((await t.request({ method: 'POST', url: '/auth/delete', headers: bearer(a.jwt_token) })).statusCode).toBe(
      204,
    );
    expect((await t.request({ url: `/auth/token/refresh?refresh_token=${a.refresh_token}` })).statusCode).toBe(401);
    expect((await t.request({ url: '/auth/user', headers: bearer(a.jwt_token) })).statusCode).toBe(401);
    expect((await login(t, a.user.email)).statusCode).toBe(401);
    const rows = await t.app.services.db.kysely
      .selectFrom('refresh_tokens')
      .select('hash')
      .where('user_id', '=', a.user.id)
      .execute();
    expect(rows).toEqual([]);
    expect(
      (await t.request({ method: 'POST', url: '/auth/register', payload: { email: a.user.email, password: PASSWORD } }))
        .statusCode,
    ).toBe(200);
    expect((await t.request({ method: 'POST', url: '/auth/delete' })).statusCode).toBe(401);
  });
});

describe.each(DATABASES)('email change when SMTP is down on %s', (db) => {
  // Port 9 (discard) on loopback: nothing listens, delivery fails at once.
  const get = useTestApp(db, { VERIFY_EMAILS: 'true', SMTP_HOST: '127.0.0.1', SMTP_PORT: '9' });

  it('answers 503 instead of claiming the confirmation was sent', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const res = await t.request({
      method: 'POST',
      url: '/auth/change-email/request',
      headers: bearer(jwt_token),
      payload: { new_email: uniqueEmail() },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('mail-unavailable');
  });
});
