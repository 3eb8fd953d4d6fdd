import { describe, expect, it, vi } from 'vitest';
import { codeAt } from '../src/core/mfa/totp.js';
import { DATABASES, buildTestApp, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, register } from './helpers/auth.js';

const ADMIN_SECRET = 'an-admin-secret-long-enough-for-the-check-0123';
const admin = { 'x-admin-secret': ADMIN_SECRET };
const UA = { 'user-agent': 'audit-test/1.0' };

async function audit(t: TestApp, query: Record<string, string> = {}) {
  const res = await t.request({ url: `/admin/audit?${new URLSearchParams(query)}`, headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json() as { entries: Record<string, unknown>[]; next_cursor: string | null };
}

/** Turns MFA on for a new user, after one refused code; returns the user and the secret. */
async function userWithMfa(t: TestApp) {
  const session = await register(t);
  const headers = { ...bearer(session.jwt_token), ...UA };
  const { otp_secret } = (await t.request({ method: 'POST', url: '/auth/mfa/generate', headers })).json();
  const wrong = codeAt(otp_secret, t.clock.now().getTime() + 10 * 60_000);
  expect(
    (await t.request({ method: 'POST', url: '/auth/mfa/enable', headers, payload: { code: wrong } })).statusCode,
  ).toBe(401);
  const code = codeAt(otp_secret, t.clock.now().getTime());
  expect((await t.request({ method: 'POST', url: '/auth/mfa/enable', headers, payload: { code } })).statusCode).toBe(
    204,
  );
  return { user: session.user, headers, secret: otp_secret as string };
}

describe.each(DATABASES)('audit log on %s', (db) => {
  const get = useTestApp(db, { ADMIN_SECRET, RATE_LIMIT_AUTH_PER_IP: '10000' });

  it('records MFA changes with actor, subject, IP, user agent and outcome, never the code', async () => {
    const t = get();
    const { user, headers, secret } = await userWithMfa(t);
    t.clock.advanceSeconds(30);
    const code = codeAt(secret, t.clock.now().getTime());
    expect((await t.request({ method: 'POST', url: '/auth/mfa/disable', headers, payload: { code } })).statusCode).toBe(
      204,
    );

    const { entries, next_cursor } = await audit(t, { actor: user.id });
    expect(next_cursor).toBeNull();
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([
      ['mfa.disable', 'success'],
      ['mfa.enable', 'success'],
      ['mfa.enable', 'failure'],
    ]);
    expect(entries[0]).toEqual({
      id: expect.any(Number),
      at: t.clock.now().toISOString(),
      actor: user.id,
      action: 'mfa.disable',
      subject: user.id,
      door: null,
      outcome: 'success',
      ip: '127.0.0.1',
      user_agent: 'audit-test/1.0',
      detail: null,
      // Who the ids are, for people reading the log (added for the console).
      actor_user: { email: user.email, display_name: user.display_name },
      subject_user: { email: user.email, display_name: user.display_name },
    });
    expect(entries[2]!.detail).toEqual({ reason: 'invalid-mfa-code' });
    expect(JSON.stringify(entries)).not.toContain(code);
  });

  it('filters by action, outcome, subject and time, and pages newest first by cursor', async () => {
    const t = get();
    const start = t.clock.now();
    t.clock.advanceSeconds(60);
    const users = [];
    for (let i = 0; i < 3; i++) {
      users.push((await userWithMfa(t)).user);
      t.clock.advanceSeconds(60);
    }
    const mine = { action: 'mfa.enable', outcome: 'success', since: new Date(start.getTime() + 1).toISOString() };
    const all = await audit(t, mine);
    expect(all.entries.map((e) => e.subject)).toEqual(users.map((u) => u.id).reverse());

    const seen: unknown[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await audit(t, { ...mine, limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.subject));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.entries.map((e) => e.subject));

    expect(
      (await audit(t, { ...mine, until: new Date(start.getTime() + 90_000).toISOString() })).entries.map(
        (e) => e.subject,
      ),
    ).toEqual([users[0]!.id]);
    expect((await audit(t, { subject: users[1]!.id, outcome: 'failure' })).entries).toHaveLength(1);
    expect((await audit(t, { door: 'nowhere' })).entries).toEqual([]);
  });

  it('is for admins only, and refuses bad filters with 400', async () => {
    const t = get();
    expect((await t.request({ url: '/admin/audit' })).statusCode).toBe(401);
    const { jwt_token } = await register(t);
    expect((await t.request({ url: '/admin/audit', headers: bearer(jwt_token) })).statusCode).toBe(403);
    for (const query of ['limit=many', 'since=yesterday', 'cursor=-1', 'outcome=maybe', `action=${'x'.repeat(65)}`]) {
      const res = await t.request({ url: `/admin/audit?${query}`, headers: admin });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().code).toBe('validation-failed');
    }
  });
});

describe.each(DATABASES)('audit retention on %s', (db) => {
  it('drops entries older than AUDIT_RETENTION_DAYS in housekeeping', async () => {
    // Only the housekeeping interval is faked; the database and the HTTP layer run for real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let t: TestApp | undefined;
    try {
      t = await buildTestApp(db, { ADMIN_SECRET, AUDIT_RETENTION_DAYS: '30' });
      const old = (await userWithMfa(t)).user;
      t.clock.advance(31 * 86_400_000);
      const recent = (await userWithMfa(t)).user;
      vi.advanceTimersByTime(10 * 60_000);
      const app = t;
      // The sweep runs in the background: on a loaded machine it can take longer than waitFor's default second.
      await vi.waitFor(
        async () =>
          expect(
            (await audit(app, { action: 'mfa.enable', outcome: 'success' })).entries.map((e) => e.subject),
          ).toEqual([recent.id]),
        { timeout: 20_000, interval: 100 },
      );
      expect(old.id).not.toBe(recent.id);
    } finally {
      vi.useRealTimers();
      await t?.close();
    }
  });
});
