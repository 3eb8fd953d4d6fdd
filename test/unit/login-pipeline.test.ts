import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import type { Audit, AuditOutcome } from '../../src/core/audit/service.js';
import { createLoginPipeline, type LoginAttempt, type PipelineDeps } from '../../src/core/auth/pipeline.js';
import type { MfaService } from '../../src/core/mfa/service.js';
import type { PasswordHasher } from '../../src/core/passwords/hasher.js';
import type { LoginThrottle } from '../../src/core/throttle/login-failures.js';
import { createMemoryStore } from '../../src/core/throttle/rate-limiter.js';
import type { Tickets } from '../../src/core/tickets/service.js';
import type { User, UserService } from '../../src/core/users/service.js';

// In-memory collaborators of the pipeline: a user list, a hasher storing `plain:<password>`, a throttle that
// counts, an audit that remembers. The rate-limit store is the real in-memory one.
const NOW = new Date('2030-01-01T00:00:00Z');

function person(over: Partial<User> = {}): User {
  return {
    id: 'u1',
    email: 'ada@example.com',
    username: 'ada',
    passwordHash: 'plain:correct horse',
    passwordDigestHash: 'plain:digest',
    mfaEnabled: false,
    active: true,
    disabled: false,
    bannedUntil: null,
    realm: null,
    ...over,
  } as User;
}

function world(people: User[], opts: { perIp?: number; perAccount?: number; code?: string } = {}) {
  const work = { verify: 0, dummy: 0 };
  const audited: { outcome: AuditOutcome; reason?: unknown }[] = [];
  const throttled: string[] = [];
  const failures: string[] = [];
  const touched: string[] = [];
  const hasher: PasswordHasher = {
    hash: async (p) => `plain:${p}`,
    verify: async (stored, p) => {
      work.verify++;
      return { ok: stored === `plain:${p}`, needsRehash: false };
    },
    verifyDummy: async () => {
      work.dummy++;
    },
  };
  const throttle = (refuse = false): LoginThrottle =>
    ({
      begin: async (key: string) => {
        throttled.push(key);
        if (refuse) throw new Error('throttled');
        return { succeed: async () => undefined, fail: () => void failures.push(key) };
      },
    }) as unknown as LoginThrottle;
  const deps: PipelineDeps = {
    config: {
      rateLimit: { windowSeconds: 60, authPerIp: opts.perIp ?? 100, authPerAccount: opts.perAccount ?? 100 },
    } as Config,
    users: {
      findByLogin: async (login: string) => people.find((u) => u.email === login || u.username === login),
      get: async (id: string) => people.find((u) => u.id === id),
      rehash: async () => undefined,
      touchLogin: async (id: string) => void touched.push(id),
      storeDigest: async () => undefined,
    } as unknown as UserService,
    hasher,
    throttle: throttle(),
    mfaThrottle: throttle(),
    mfa: { verify: async (_id: string, code: string) => code === opts.code } as unknown as MfaService,
    tickets: { issue: async () => 'an-mfa-ticket' } as unknown as Tickets,
    limits: createMemoryStore({ now: () => NOW }),
    audit: {
      record: async (e: { outcome: AuditOutcome; detail: unknown }) =>
        void audited.push({ outcome: e.outcome, reason: e.detail }),
    } as unknown as Audit,
    clock: { now: () => NOW },
  };
  return { pipeline: createLoginPipeline(deps), work, audited, throttled, failures, touched };
}

const attempt = (over: Partial<LoginAttempt> = {}): LoginAttempt => ({
  door: 'hbp',
  identifier: 'ada@example.com',
  password: 'correct horse',
  secondFactor: 'ticket',
  client: { ip: '192.0.2.1', userAgent: 'test' },
  ...over,
});

describe('the login pipeline', () => {
  it('signs a user in with the right password, stamps the login and audits a success', async () => {
    const w = world([person()]);
    expect(await w.pipeline.authenticate(attempt())).toMatchObject({ kind: 'authenticated', user: { id: 'u1' } });
    expect(w.touched).toEqual(['u1']);
    expect(w.audited.at(-1)?.outcome).toBe('success');
  });

  it('gives an unknown login the same hashing work and the same answer as a wrong password', async () => {
    const w = world([person()]);
    const wrong = await w.pipeline.authenticate(attempt({ password: 'wrong' })).catch((e) => e);
    const unknown = await w.pipeline.authenticate(attempt({ identifier: 'nobody@example.com' })).catch((e) => e);
    expect(unknown.code).toBe(wrong.code);
    expect(unknown.code).toBe('invalid-credentials');
    expect(w.work).toEqual({ verify: 1, dummy: 1 });
    expect(w.failures).toHaveLength(2);
  });

  it('refuses an inactive, disabled or banned account with the right password as a wrong one', async () => {
    for (const state of [{ active: false }, { disabled: true }, { bannedUntil: new Date('2031-01-01') }]) {
      const w = world([person(state)]);
      await expect(w.pipeline.authenticate(attempt())).rejects.toMatchObject({ code: 'invalid-credentials' });
      expect(w.audited.at(-1)).toEqual({ outcome: 'failure', reason: { reason: 'account-state' } });
    }
  });

  it('lets a ban that has ended sign in', async () => {
    const w = world([person({ bannedUntil: new Date('2029-12-31') })]);
    expect((await w.pipeline.authenticate(attempt())).kind).toBe('authenticated');
  });

  it('refuses an account outside the realm the door asks for', async () => {
    const w = world([person({ realm: 'staff' })]);
    await expect(w.pipeline.authenticate(attempt({ realm: 'guests' }))).rejects.toMatchObject({
      code: 'invalid-credentials',
    });
  });

  it('counts attempts per IP and per account and answers 429 past the limit, audited as rate limited', async () => {
    const w = world([person()], { perIp: 2 });
    await w.pipeline.authenticate(attempt());
    await w.pipeline.authenticate(attempt());
    await expect(w.pipeline.authenticate(attempt())).rejects.toMatchObject({ status: 429 });
    expect(w.audited.at(-1)?.outcome).toBe('rate_limited');

    const perAccount = world([person()], { perAccount: 1 });
    await perAccount.pipeline.authenticate(attempt({ client: { ip: '192.0.2.1', userAgent: 'test' } }));
    await expect(
      perAccount.pipeline.authenticate(attempt({ client: { ip: '192.0.2.2', userAgent: 'test' } })),
    ).rejects.toMatchObject({
      status: 429,
    });
  });

  it('keys the failure throttle of an unknown login by a hash of its name, never the name itself', async () => {
    const w = world([]);
    await w.pipeline.authenticate(attempt({ identifier: 'Someone@Example.com' })).catch(() => undefined);
    await w.pipeline.authenticate(attempt({ identifier: ' someone@example.com' })).catch(() => undefined);
    expect(w.throttled).toHaveLength(2);
    expect(w.throttled[0]).toMatch(/^account:[A-Za-z0-9_-]{43}$/);
    expect(w.throttled[1]).toBe(w.throttled[0]); // one counter whatever the case and spaces
    expect(w.throttled[0]!.toLowerCase()).not.toContain('someone');
  });

  it('checks a Rocket.Chat digest against the digest verifier, and refuses one for an account without it', async () => {
    const w = world([person({ passwordDigestHash: 'plain:abcdef' })]);
    expect((await w.pipeline.authenticate(attempt({ digest: 'ABCDEF', password: '' }))).kind).toBe('authenticated');
    const none = world([person({ passwordDigestHash: null })]);
    await expect(none.pipeline.authenticate(attempt({ digest: 'abcdef', password: '' }))).rejects.toMatchObject({
      code: 'invalid-credentials',
    });
    expect(none.work.dummy).toBe(1);
  });

  describe('asks an MFA account for its second factor in the form of its door', () => {
    const mfaUser = () => person({ mfaEnabled: true });

    it('ticket: a ticket for a second request', async () => {
      const w = world([mfaUser()], { code: '123456' });
      expect(await w.pipeline.authenticate(attempt())).toMatchObject({
        kind: 'second-factor-required',
        ticket: 'an-mfa-ticket',
      });
      expect(w.touched).toEqual([]);
    });

    it('code: told one is required without a ticket, signed in with the right code, refused with a wrong one', async () => {
      const w = world([mfaUser()], { code: '123456' });
      expect(await w.pipeline.authenticate(attempt({ secondFactor: 'code' }))).toEqual({
        kind: 'second-factor-required',
        user: expect.objectContaining({ id: 'u1' }),
        ticket: undefined,
        methods: ['totp'],
      });
      expect((await w.pipeline.authenticate(attempt({ secondFactor: 'code', code: '123456' }))).kind).toBe(
        'authenticated',
      );
      await expect(w.pipeline.authenticate(attempt({ secondFactor: 'code', code: '000000' }))).rejects.toMatchObject({
        code: 'invalid-mfa-code',
      });
    });

    it('append: the last six digits of the password are the code', async () => {
      const w = world([mfaUser()], { code: '123456' });
      const result = await w.pipeline.authenticate(
        attempt({ secondFactor: 'append', password: 'correct horse123456' }),
      );
      expect(result.kind).toBe('authenticated');
    });

    it('none: refused, since the door cannot carry one', async () => {
      const w = world([mfaUser()]);
      await expect(w.pipeline.authenticate(attempt({ secondFactor: 'none' }))).rejects.toMatchObject({
        code: 'second-factor-required',
      });
    });

    it('not-asked: the password alone', async () => {
      const w = world([mfaUser()]);
      expect((await w.pipeline.authenticate(attempt({ secondFactor: 'not-asked' }))).kind).toBe('authenticated');
    });
  });

  it('proves a signed-in account by its id whatever the identifier finds, without a last-login stamp', async () => {
    const w = world([person(), person({ id: 'u2', email: 'bob@example.com', username: 'bob' })]);
    const result = await w.pipeline.authenticate(attempt({ identifier: 'bob@example.com', account: 'u1' }));
    expect(result.user.id).toBe('u1');
    expect(w.touched).toEqual([]);
  });
});
