import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register } from './helpers/auth.js';
import { person, seedLdif, serviceSettings, useSlapd } from './helpers/slapd.js';
import { useSmtp } from './helpers/smtp.js';

// A directory user's password is the directory's: Gatehouse never mails a reset link for it, nor sets it.
const ADMIN_SECRET = 'an admin secret of at least 32 characters';
const admin = { 'x-admin-secret': ADMIN_SECRET };
const ticketOf = (link: string) => new URL(link).searchParams.get('ticket')!;

describe.each(DATABASES)('passwords of directory users on %s', (db) => {
  const slapd = useSlapd(seedLdif(['mia', 'ned', 'olga'].map((uid) => person(uid))));
  const smtp = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtp().env,
    ADMIN_SECRET,
    LOST_PASSWORD_ENABLED: 'true',
    REDIRECT_URL_SUCCESS: 'https://app.example.com/reset',
  }));
  beforeAll(async () => {
    const res = await get().request({
      method: 'PUT',
      url: '/admin/directories/corp',
      headers: admin,
      payload: { ...serviceSettings(slapd()), default: true },
    });
    expect(res.statusCode).toBe(201);
  });

  it('answers a reset request for a directory user with the same 204, and sends no mail', async () => {
    const t = get();
    expect((await login(t, 'mia@example.org', 'mia-password')).statusCode).toBe(200);
    const local = await register(t, { email: 'local-mia@example.org' });
    const request = (email: string) =>
      t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email } });
    const directory = await request('mia@example.org');
    const known = await request(local.user.email);
    const unknown = await request('nobody@example.org');
    expect([directory.statusCode, directory.body, directory.headers['content-length']]).toEqual([
      unknown.statusCode,
      unknown.body,
      unknown.headers['content-length'],
    ]);
    expect([known.statusCode, known.body]).toEqual([204, directory.body]);
    // The local user's mail arrives; by then the directory user's would have been sent too.
    expect((await smtp().waitFor(local.user.email, /Reset/)).links[0]).toMatch(/action=reset-password&ticket=/);
    expect(await smtp().nothingFor('mia@example.org')).toBe(true);
  });

  it('refuses an admin-set password for a directory user (API), which keeps signing in with the directory password', async () => {
    const t = get();
    const signedIn = (await login(t, 'olga@example.org', 'olga-password')).json();
    const set = await t.request({
      method: 'PUT',
      url: `/admin/users/${signedIn.user.id}/password`,
      headers: admin,
      payload: { password: 'an admin chosen passphrase 5' },
    });
    expect([set.statusCode, set.json().code]).toEqual([409, 'password-managed-by-directory']);
    expect(set.json().message).toMatch(/directory of realm corp/);
    expect((await login(t, 'olga@example.org', 'an admin chosen passphrase 5')).statusCode).toBe(401);
    expect((await login(t, 'olga@example.org', 'olga-password')).statusCode).toBe(200);
    // The sessions were not ended by the refused change.
    expect((await t.request({ url: '/auth/user', headers: bearer(signedIn.jwt_token) })).statusCode).toBe(200);
    const change = await t.request({
      method: 'POST',
      url: '/auth/change-password',
      headers: bearer(signedIn.jwt_token),
      payload: { old_password: 'olga-password', new_password: 'a brand new passphrase' },
    });
    expect([change.statusCode, change.json().code]).toEqual([409, 'password-managed-by-directory']);
  });

  it('refuses a reset ticket mailed before the account was linked to the directory', async () => {
    const t = get();
    const local = await register(t, { email: 'ned@example.org' });
    await t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email: local.user.email } });
    const ticket = ticketOf((await smtp().waitFor(local.user.email, /Reset/)).links[0]!);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/admin/directories/corp/links',
          headers: admin,
          payload: { user_id: local.user.id, login: 'ned' },
        })
      ).statusCode,
    ).toBe(204);
    const reset = await t.request({
      method: 'POST',
      url: '/auth/change-password/change',
      payload: { ticket, new_password: 'a reset passphrase 9' },
    });
    expect([reset.statusCode, reset.json().code]).toEqual([409, 'password-managed-by-directory']);
    expect((await login(t, 'ned@example.org', 'a reset passphrase 9')).statusCode).toBe(401);
    expect((await login(t, 'ned@example.org', PASSWORD)).statusCode).toBe(401); // the directory decides now
    expect((await login(t, 'ned@example.org', 'ned-password')).statusCode).toBe(200);
  });
});
