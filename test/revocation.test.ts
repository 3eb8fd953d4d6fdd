import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, register, uniqueEmail } from './helpers/auth.js';
import { useSmtp } from './helpers/smtp.js';

const refresh = (t: TestApp, token: string) =>
  t.request({ url: `/auth/token/refresh?refresh_token=${encodeURIComponent(token)}` });
const ADMIN_SECRET = 'an admin secret of at least thirty-two characters';
const ticketOf = (link: string) => new URL(link).searchParams.get('ticket')!;

describe.each(DATABASES)('refresh-token reuse on %s', (db) => {
  const get = useTestApp(db, { REFRESH_TOKEN_REUSE_GRACE: '10', RATE_LIMIT_REFRESH_PER_IP: '1000', ADMIN_SECRET });

  it('a stolen refresh token replayed after rotation ends the session: its access tokens are 401 everywhere', async () => {
    const t = get();
    const first = await register(t);
    const rotated = (await refresh(t, first.refresh_token)).json();
    expect((await t.request({ url: '/auth/user', headers: bearer(rotated.jwt_token) })).statusCode).toBe(200);
    t.clock.advanceSeconds(11);
    const reuse = await refresh(t, first.refresh_token);
    expect(reuse.json().code).toBe('refresh-token-reused');
    // Both access tokens of the session (before and after the rotation) die at once, on /auth and on /storage.
    for (const jwt of [first.jwt_token, rotated.jwt_token]) {
      expect((await t.request({ url: '/auth/user', headers: bearer(jwt) })).statusCode).toBe(401);
      const upload = await t.request({
        method: 'POST',
        url: `/storage/o/user/${first.user.id}/after-reuse.txt`,
        headers: { ...bearer(jwt), 'content-type': 'text/plain' },
        payload: 'still here?',
      });
      expect(upload.statusCode).toBe(401);
    }
    const audit = await t.request({
      url: `/admin/audit?subject=${first.user.id}`,
      headers: { 'x-admin-secret': ADMIN_SECRET },
    });
    const ended = audit.json().entries.filter((e: { action: string }) => e.action === 'session.revoke');
    expect(ended.map((e: { detail: { reason: string } }) => e.detail.reason)).toEqual(['refresh-token-reused']);
  });
});

describe.each(DATABASES)('tickets after a password or email change on %s', (db) => {
  const smtpOf = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtpOf().env,
    LOST_PASSWORD_ENABLED: 'true',
    REDIRECT_URL_SUCCESS: 'https://app.example.com/reset',
    ADMIN_SECRET,
  }));

  async function resetLink(t: TestApp, email: string): Promise<string> {
    expect(
      (await t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email } })).statusCode,
    ).toBe(204);
    return ticketOf((await smtpOf().waitFor(email, /Reset/)).links[0]!);
  }
  const useReset = (t: TestApp, ticket: string) =>
    t.request({
      method: 'POST',
      url: '/auth/change-password/change',
      payload: { ticket, new_password: 'the attacker chose 9' },
    });

  it('a reset link mailed before a password change does not work after it', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const ticket = await resetLink(t, user.email);
    const change = await t.request({
      method: 'POST',
      url: '/auth/change-password',
      headers: bearer(jwt_token),
      payload: { old_password: PASSWORD, new_password: 'a new passphrase 11' },
    });
    expect(change.statusCode).toBe(204);
    const res = await useReset(t, ticket);
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid-ticket']);
  });

  it('a reset link mailed to the old address before an email change does not work after it', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const ticket = await resetLink(t, user.email);
    const change = await t.request({
      method: 'POST',
      url: '/auth/change-email',
      headers: bearer(jwt_token),
      payload: { new_email: uniqueEmail('moved') },
    });
    expect(change.statusCode).toBe(204);
    const res = await useReset(t, ticket);
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid-ticket']);
  });

  it('a password change after an email change does not void the undo link mailed to the old address', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const moved = uniqueEmail('taken-over');
    const change = await t.request({
      method: 'POST',
      url: '/auth/change-email',
      headers: bearer(jwt_token),
      payload: { new_email: moved },
    });
    expect(change.statusCode).toBe(204);
    const undo = ticketOf((await smtpOf().waitFor(user.email, /changed/)).links[0]!);
    // Whoever changed the address changes the password too: the old address's way back must survive it.
    const password = { old_password: PASSWORD, new_password: 'the taker chose 13' };
    expect(
      (await t.request({ method: 'POST', url: '/auth/change-password', headers: bearer(jwt_token), payload: password }))
        .statusCode,
    ).toBe(204);
    expect(
      (await t.request({ method: 'POST', url: '/auth/change-email/undo', payload: { ticket: undo } })).statusCode,
    ).toBe(204);
    expect((await t.app.services.users.get(user.id))?.email).toBe(user.email);
  });

  it('an admin password reset voids a reset link mailed before it', async () => {
    const t = get();
    const { user } = await register(t);
    const ticket = await resetLink(t, user.email);
    const set = await t.request({
      method: 'PUT',
      url: `/admin/users/${user.id}/password`,
      headers: { 'x-admin-secret': ADMIN_SECRET },
      payload: { password: 'set by the admin 12' },
    });
    expect(set.statusCode).toBe(204);
    expect((await useReset(t, ticket)).statusCode).toBe(401);
  });
});

describe.each(DATABASES)('tickets after a password reset on %s', (db) => {
  const smtpOf = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtpOf().env,
    LOST_PASSWORD_ENABLED: 'true',
    VERIFY_EMAILS: 'true',
    REDIRECT_URL_SUCCESS: 'https://app.example.com/r',
  }));

  it('an email-change link requested before a password reset does not work after it (the thief’s pending change)', async () => {
    const t = get();
    const { user, jwt_token } = await register(t);
    const thief = uniqueEmail('thief');
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/change-email/request',
          headers: bearer(jwt_token),
          payload: { new_email: thief },
        })
      ).statusCode,
    ).toBe(204);
    const changeTicket = ticketOf((await smtpOf().waitFor(thief, /Confirm/)).links[0]!);
    expect(
      (await t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email: user.email } }))
        .statusCode,
    ).toBe(204);
    const resetTicket = ticketOf((await smtpOf().waitFor(user.email, /Reset/)).links[0]!);
    const reset = await t.request({
      method: 'POST',
      url: '/auth/change-password/change',
      payload: { ticket: resetTicket, new_password: 'the owner is back 10' },
    });
    expect(reset.statusCode).toBe(204);
    const res = await t.request({
      method: 'POST',
      url: '/auth/change-email/change',
      payload: { ticket: changeTicket },
    });
    expect([res.statusCode, res.json().code]).toEqual([401, 'invalid-ticket']);
    expect((await t.app.services.users.get(user.id))?.email).toBe(user.email);
  });
});

describe.each(DATABASES)('impersonation tokens and their issuer on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, ALLOWED_USER_ROLES: 'user,admin', RATE_LIMIT_AUTH_PER_IP: '10000' });
  const asSecret = { 'x-admin-secret': ADMIN_SECRET };
  const current = (t: TestApp, token: string) =>
    t.request({ url: '/api/v1/auth/current', headers: { authorization: `Impersonate ${token}` } });

  async function adminAndToken(t: TestApp, targetRoles: string[] = ['user']) {
    const admin = await register(t, { register_options: { allowed_roles: ['user', 'admin'] } });
    const target = await register(t, { register_options: { allowed_roles: targetRoles } });
    const res = await t.request({
      method: 'POST',
      url: `/admin/users/${target.user.id}/impersonate`,
      headers: bearer(admin.jwt_token),
    });
    expect(res.statusCode).toBe(201);
    const { token } = res.json();
    expect((await current(t, token)).statusCode).toBe(200);
    return { admin, target, token: token as string };
  }

  const endings: [string, (t: TestApp, adminId: string) => Promise<{ statusCode: number }>][] = [
    [
      'demoted',
      (t, id) =>
        t.request({
          method: 'PUT',
          url: `/admin/users/${id}/roles`,
          headers: asSecret,
          payload: { roles: ['user'], default_role: 'user' },
        }),
    ],
    ['disabled', (t, id) => t.request({ method: 'POST', url: `/admin/users/${id}/disable`, headers: asSecret })],
    [
      'banned',
      (t, id) =>
        t.request({
          method: 'POST',
          url: `/admin/users/${id}/ban`,
          headers: asSecret,
          payload: { until: '2999-01-01T00:00:00Z' },
        }),
    ],
    ['deleted', (t, id) => t.request({ method: 'DELETE', url: `/admin/users/${id}`, headers: asSecret })],
  ];
  it.each(endings)('an impersonation token stops when its issuing admin is %s', async (_name, end) => {
    const t = get();
    const { admin, target, token } = await adminAndToken(t);
    expect((await end(t, admin.user.id)).statusCode).toBe(204);
    expect((await current(t, token)).statusCode).toBe(401);
    // The target's own sessions are not the issuer's: they go on.
    expect((await t.request({ url: '/auth/user', headers: bearer(target.jwt_token) })).statusCode).toBe(200);
  });

  it('an impersonated admin’s token cannot impersonate anyone, and the audit names the real issuer', async () => {
    const t = get();
    const { admin, target, token } = await adminAndToken(t, ['user', 'admin']);
    const victim = await register(t);
    const chained = await t.request({
      method: 'POST',
      url: '/api/v1/auth/impersonate',
      headers: { authorization: `Impersonate ${token}` },
      payload: { userId: victim.user.id },
    });
    expect(chained.statusCode).toBe(403);
    const audit = await t.request({ url: `/admin/audit?action=user.impersonate`, headers: asSecret });
    const events = audit
      .json()
      .entries.filter((e: { subject: string }) => [target.user.id, victim.user.id].includes(e.subject));
    expect(events.map((e: { actor: string; subject: string }) => [e.actor, e.subject])).toEqual([
      [admin.user.id, target.user.id],
    ]);
  });
});
