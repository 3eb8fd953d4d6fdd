import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { PASSWORD, register } from './helpers/auth.js';

const attempt = (t: TestApp, email: string, password: string, i: number) =>
  t.request({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password },
    remoteAddress: `10.9.${i >> 8}.${i & 255}`,
  });

describe.each(DATABASES)('failed-login limit under concurrency on %s', (db) => {
  const get = useTestApp(db, { RATE_LIMIT_ENABLED: 'false', LOGIN_MAX_FAILURES_PER_HOUR: '5' });

  // Regression: logins still in flight were counted as failures, so concurrent correct logins got 429.
  it('lets 40 concurrent correct logins to one account through with a limit of 5 failures', async () => {
    const t = get();
    const { user } = await register(t);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(t, user.email, PASSWORD, i)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(40).fill(200));
  });

  it('lets 20 concurrent wrong guesses check at most 5 passwords, and then refuses the right one', async () => {
    const t = get();
    const { user } = await register(t);
    const checked: string[] = [];
    const { hasher } = t.app.services;
    const verify = hasher.verify;
    hasher.verify = (...args) => (checked.push('verify'), verify(...args));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(t, user.email, `wrong guess ${i}`, i)),
    );
    hasher.verify = verify;
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(15).fill(429)]);
    expect(checked).toHaveLength(5);
    expect((await attempt(t, user.email, PASSWORD, 99)).statusCode).toBe(429);
  });

  it('admits correct logins that arrive together with wrong guesses while failures stay under the limit', async () => {
    const t = get();
    const { user } = await register(t);
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => attempt(t, user.email, i % 8 === 0 ? `wrong guess ${i}` : PASSWORD, i)),
    );
    const byPassword = answers.map((r, i) => [i % 8 === 0 ? 'wrong' : 'right', r.statusCode]);
    expect(byPassword.filter(([kind]) => kind === 'wrong').map(([, s]) => s)).toEqual([401, 401, 401]);
    expect(byPassword.filter(([kind]) => kind === 'right').map(([, s]) => s)).toEqual(Array(21).fill(200));
  });
});
