import { describe, expect, it } from 'vitest';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { createLoginPipeline } from '../src/core/auth/pipeline.js';
import { DATABASES, useTestApp } from './helpers/app.js';
import { PASSWORD, bearer, login, register, uniqueEmail } from './helpers/auth.js';

describe.each(DATABASES)('POST /auth/login on %s', (db) => {
  const get = useTestApp(db);

  it('returns a session for the right password, whatever the email case', async () => {
    const { user } = await register(get());
    const res = await login(get(), user.email.toUpperCase());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      jwt_token: expect.any(String),
      jwt_expires_in: 900000,
      refresh_token: expect.any(String),
      user,
    });
    const me = await get().request({ url: '/auth/user', headers: bearer(body.jwt_token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      id: user.id,
      email: user.email,
      roles: ['user'],
      default_role: 'user',
      active: true,
      mfa: { enabled: false },
    });
  });

  it('gives unknown email, wrong password and disabled account the same status and body', async () => {
    const { user } = await register(get());
    const disabled = await register(get());
    await get().app.services.users.setDisabled(disabled.user.id, true);
    const answers = await Promise.all([
      login(get(), uniqueEmail('nobody')),
      login(get(), user.email, 'wrong password 123'),
      login(get(), disabled.user.email),
    ]);
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Incorrect email or password',
        code: 'invalid-credentials',
      });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('puts the refresh token in a signed httpOnly SameSite cookie, not the body, in cookie mode', async () => {
    const { user } = await register(get());
    const res = await get().request({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password: PASSWORD, cookie: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().refresh_token).toBeUndefined();
    const cookie = res.cookies.find((c) => c.name === 'refresh_token')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/auth' });
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/_-]+$/); // token.signature
  });

  it('verifies imported bcrypt hashes and replaces them with argon2id', async () => {
    const t = get();
    const { user } = await register(t);
    await t.app.services.queries.users.setPasswordHash(
      user.id,
      await bcryptHash('imported from hbp', 4),
      t.clock.now(),
    );
    expect((await login(t, user.email, 'imported from hbp')).statusCode).toBe(200);
    const stored = (await t.app.services.queries.users.findWithRoles('id', user.id))!.passwordHash!;
    expect(stored).toMatch(/^\$argon2id\$/);
    expect((await login(t, user.email, 'imported from hbp')).statusCode).toBe(200);
  });

  it('refuses a bcrypt password longer than 72 bytes instead of matching its truncation', async () => {
    const t = get();
    const { user } = await register(t);
    const long = 'b'.repeat(72);
    await t.app.services.queries.users.setPasswordHash(user.id, await bcryptHash(long, 4), t.clock.now());
    expect((await login(t, user.email, `${long}EXTRA`)).statusCode).toBe(401);
    expect((await login(t, user.email, long)).statusCode).toBe(200);
  });

  it('validates the body', async () => {
    const res = await get().request({ method: 'POST', url: '/auth/login', payload: { email: 'x@example.com' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation-failed', message: expect.stringContaining('password') });
  });
});

describe.each(DATABASES)('login work on %s', (db) => {
  const get = useTestApp(db);

  it('runs exactly one password verification for unknown, wrong, inactive and valid logins alike', async () => {
    const t = get();
    const s = t.app.services;
    const inactive = await s.users.create({
      email: uniqueEmail(),
      password: PASSWORD,
      roles: ['user'],
      defaultRole: 'user',
      active: false,
    });
    const { user } = await register(t);
    const work: string[] = [];
    const counting = {
      ...s.hasher,
      verify: (h: string, p: string) => (work.push('verify'), s.hasher.verify(h, p)),
      verifyDummy: (p: string) => (work.push('dummy'), s.hasher.verifyDummy(p)),
    };
    const pipeline = createLoginPipeline({
      ...s,
      hasher: counting,
    });
    const client = { ip: '127.0.0.1', userAgent: null };
    const attempts = [
      { email: uniqueEmail('nobody'), password: PASSWORD },
      { email: user.email, password: 'wrong password 123' },
      { email: inactive.email, password: PASSWORD },
      { email: user.email, password: PASSWORD },
    ];
    for (const attempt of attempts) {
      work.length = 0;
      await pipeline
        .authenticate({
          door: 'hbp',
          identifier: attempt.email,
          password: attempt.password,
          secondFactor: 'ticket',
          client,
        })
        .catch(() => undefined);
      expect(work).toHaveLength(1);
    }
  });
});
