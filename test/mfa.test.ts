import { describe, expect, it } from 'vitest';
import { codeAt, matchingStep } from '../src/core/mfa/totp.js';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register } from './helpers/auth.js';
import { useSmtp } from './helpers/smtp.js';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; our codes are the last 6 of the 8 digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_VECTORS)('at T=%i gives the vector %s', (seconds, vector) => {
    expect(codeAt(RFC_SECRET, seconds * 1000)).toBe(vector.slice(-6));
    expect(matchingStep(RFC_SECRET, vector.slice(-6), seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step either side and nothing further', () => {
    const t = 1111111111 * 1000;
    expect(matchingStep(RFC_SECRET, codeAt(RFC_SECRET, t - 30_000), t)).toBe(Math.floor(t / 30000) - 1);
    expect(matchingStep(RFC_SECRET, codeAt(RFC_SECRET, t + 30_000), t)).toBe(Math.floor(t / 30000) + 1);
    expect(matchingStep(RFC_SECRET, codeAt(RFC_SECRET, t - 60_000), t)).toBeUndefined();
    expect(matchingStep(RFC_SECRET, 'abcdef', t)).toBeUndefined();
  });
});

async function enableMfa(t: TestApp) {
  const session = await register(t);
  const gen = await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(session.jwt_token) });
  expect(gen.statusCode).toBe(200);
  const { otp_secret, image_url } = gen.json();
  expect(image_url).toMatch(/^data:image\/png;base64,/);
  const code = codeAt(otp_secret, t.clock.now().getTime());
  expect(
    (
      await t.request({
        method: 'POST',
        url: '/auth/mfa/enable',
        headers: bearer(session.jwt_token),
        payload: { code },
      })
    ).statusCode,
  ).toBe(204);
  t.clock.advanceSeconds(30); // the enabling code is spent; tests log in with the next one
  return { ...session, secret: otp_secret as string };
}

const totp = (t: TestApp, ticket: string, code: string) =>
  t.request({ method: 'POST', url: '/auth/mfa/totp', payload: { ticket, code } });

describe.each(DATABASES)('MFA on %s', (db) => {
  const smtpOf = useSmtp();
  const get = useTestApp(db, () => ({
    ...smtpOf().env,
    MFA_ENABLED: 'true',
    LOST_PASSWORD_ENABLED: 'true',
    OTP_ISSUER: 'Example Inc',
  }));

  it('encrypts the secret at rest and shows MFA as enabled', async () => {
    const t = get();
    const { secret, user, jwt_token } = await enableMfa(t);
    const row = await t.app.services.db.kysely
      .selectFrom('mfa')
      .select('secret')
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(secret);
    expect(row.secret).toMatch(/^v1\./);
    expect((await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).json().mfa).toEqual({ enabled: true });
  });

  it('asks for a second factor at login, then opens a session with a TOTP code', async () => {
    const t = get();
    const { user, secret } = await enableMfa(t);
    const first = await login(t, user.email);
    expect(first.statusCode).toBe(200);
    const { mfa, ticket } = first.json();
    expect(mfa).toBe(true);
    expect(first.json().jwt_token).toBeUndefined();
    const res = await totp(t, ticket, codeAt(secret, t.clock.now().getTime()));
    expect(res.statusCode).toBe(200);
    expect(res.json().jwt_token).toEqual(expect.any(String));
  });

  it('refuses a replayed code, and a second use of the ticket', async () => {
    const t = get();
    const { user, secret } = await enableMfa(t);
    const code = codeAt(secret, t.clock.now().getTime());
    const one = (await login(t, user.email)).json().ticket;
    expect((await totp(t, one, code)).statusCode).toBe(200);
    const two = (await login(t, user.email)).json().ticket;
    const replay = await totp(t, two, code);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('invalid-mfa-code');
    expect((await totp(t, one, codeAt(secret, t.clock.now().getTime() + 30_000))).json().code).toBe('invalid-ticket');
  });

  it('voids the ticket after 5 wrong codes', async () => {
    const t = get();
    const { user, secret } = await enableMfa(t);
    const ticket = (await login(t, user.email)).json().ticket;
    for (let i = 0; i < 5; i++) expect((await totp(t, ticket, '000000')).json().code).toBe('invalid-mfa-code');
    const sixth = await totp(t, ticket, codeAt(secret, t.clock.now().getTime()));
    expect(sixth.statusCode).toBe(401);
    expect(sixth.json().code).toBe('invalid-ticket');
  });

  it('expires the ticket after 5 minutes', async () => {
    const t = get();
    const { user, secret } = await enableMfa(t);
    const ticket = (await login(t, user.email)).json().ticket;
    t.clock.advanceSeconds(5 * 60 + 1);
    expect((await totp(t, ticket, codeAt(secret, t.clock.now().getTime()))).json().code).toBe('invalid-ticket');
  });

  it('an MFA ticket neither refreshes nor reaches protected routes', async () => {
    const t = get();
    const { user } = await enableMfa(t);
    const ticket = (await login(t, user.email)).json().ticket;
    expect((await t.request({ url: `/auth/token/refresh?refresh_token=${ticket}` })).statusCode).toBe(401);
    expect((await t.request({ url: '/auth/user', headers: bearer(ticket) })).statusCode).toBe(401);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/change-password/change',
          payload: { ticket, new_password: 'a new passphrase 55' },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('accepts each of 10 recovery codes once, in place of a TOTP code', async () => {
    const t = get();
    const { user, jwt_token } = await enableMfa(t);
    const res = await t.request({ method: 'POST', url: '/auth/mfa/recovery-codes', headers: bearer(jwt_token) });
    const codes: string[] = res.json().recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const ticket = (await login(t, user.email)).json().ticket;
    expect((await totp(t, ticket, codes[0]!.toUpperCase())).statusCode).toBe(200);
    const again = (await login(t, user.email)).json().ticket;
    expect((await totp(t, again, codes[0]!)).statusCode).toBe(401);
    expect((await totp(t, again, codes[1]!)).statusCode).toBe(200);
    const rows = await t.app.services.db.kysely
      .selectFrom('mfa_recovery_codes')
      .select('hash')
      .where('user_id', '=', user.id)
      .execute();
    expect(rows.map((r) => r.hash)).not.toContain(codes[2]);
  });

  it('a password reset does not bypass MFA at the next login', async () => {
    const t = get();
    const { user } = await enableMfa(t);
    await t.request({ method: 'POST', url: '/auth/change-password/request', payload: { email: user.email } });
    const ticket = new URL((await smtpOf().waitFor(user.email)).links[0]!).searchParams.get('ticket')!;
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/change-password/change',
          payload: { ticket, new_password: 'a reset passphrase 9' },
        })
      ).statusCode,
    ).toBe(204);
    expect((await login(t, user.email, 'a reset passphrase 9')).json()).toEqual({
      mfa: true,
      ticket: expect.any(String),
    });
  });

  it('disables with a valid code only; generate refuses while enabled', async () => {
    const t = get();
    const { user, jwt_token, secret } = await enableMfa(t);
    expect(
      (await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(jwt_token) })).statusCode,
    ).toBe(409);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/mfa/disable',
          headers: bearer(jwt_token),
          payload: { code: '123456' },
        })
      ).statusCode,
    ).toBe(401);
    const code = codeAt(secret, t.clock.now().getTime());
    expect(
      (await t.request({ method: 'POST', url: '/auth/mfa/disable', headers: bearer(jwt_token), payload: { code } }))
        .statusCode,
    ).toBe(204);
    expect((await login(t, user.email)).json().jwt_token).toEqual(expect.any(String));
  });

  it('refuses to enable with a wrong code, or before generate', async () => {
    const t = get();
    const { jwt_token } = await register(t);
    const early = await t.request({
      method: 'POST',
      url: '/auth/mfa/enable',
      headers: bearer(jwt_token),
      payload: { code: '123456' },
    });
    expect(early.statusCode).toBe(400);
    await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(jwt_token) });
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/auth/mfa/enable',
          headers: bearer(jwt_token),
          payload: { code: '123456' },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('bounds wrong codes per user across fresh tickets', async () => {
    const t = get();
    const { user } = await enableMfa(t);
    let refused = 0;
    for (let i = 0; i < 6; i++) {
      const ticket = (await login(t, user.email, PASSWORD)).json().ticket;
      for (let j = 0; j < 5; j++) if ((await totp(t, ticket, '000000')).statusCode === 429) refused++;
    }
    expect(refused).toBe(10); // 20 wrong codes per hour, whatever the number of tickets
  });
});
