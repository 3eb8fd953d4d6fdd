import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import type { Audit } from '../../src/core/audit/service.js';
import { createLoginPipeline, type LoginAttempt } from '../../src/core/auth/pipeline.js';
import type { MfaService } from '../../src/core/mfa/service.js';
import type { PasswordHasher } from '../../src/core/passwords/hasher.js';
import type { LoginThrottle } from '../../src/core/throttle/login-failures.js';
import type { Tickets } from '../../src/core/tickets/service.js';
import type { User, UserService } from '../../src/core/users/service.js';

// The pipeline's second step for an account with a passkey, with in-memory collaborators.
const NOW = new Date('2030-01-01T00:00:00Z');
const ada = (over: Partial<User> = {}) =>
  ({
    id: 'u1',
    email: 'ada@example.com',
    passwordHash: 'plain:correct horse',
    passwordDigestHash: 'plain:x',
    mfaEnabled: false,
    active: true,
    disabled: false,
    bannedUntil: null,
    realm: null,
    ...over,
  }) as User;

function pipelineFor(user: User, passkeyHolders: string[]) {
  const throttle = {
    begin: async () => ({ succeed: async () => undefined, fail: () => undefined }),
  } as unknown as LoginThrottle;
  return createLoginPipeline({
    config: { rateLimit: { windowSeconds: 60, authPerIp: 100, authPerAccount: 100 } } as Config,
    users: {
      findByLogin: async (login: string) => (login === user.email ? user : undefined),
      get: async (id: string) => (id === user.id ? user : undefined),
      rehash: async () => undefined,
      touchLogin: async () => undefined,
      storeDigest: async () => undefined,
    } as unknown as UserService,
    hasher: {
      hash: async (p: string) => `plain:${p}`,
      verify: async (stored: string, p: string) => ({ ok: stored === `plain:${p}`, needsRehash: false }),
      verifyDummy: async () => undefined,
    } as unknown as PasswordHasher,
    throttle,
    mfaThrottle: throttle,
    mfa: { verify: async (_id: string, code: string) => code === '123456' } as unknown as MfaService,
    tickets: { issue: async () => 'an-mfa-ticket' } as unknown as Tickets,
    limits: undefined,
    audit: { record: async () => undefined } as unknown as Audit,
    clock: { now: () => NOW },
    passkeys: { has: async (id: string) => passkeyHolders.includes(id) },
  });
}

const attempt = (over: Partial<LoginAttempt> = {}): LoginAttempt => ({
  door: 'hbp',
  identifier: 'ada@example.com',
  password: 'correct horse',
  secondFactor: 'ticket',
  client: { ip: '192.0.2.1', userAgent: 'test' },
  ...over,
});

describe('a passkey as the second factor of a password login', () => {
  it('ticket doors: a ticket, naming the passkey (and TOTP when the account has both)', async () => {
    expect(await pipelineFor(ada(), ['u1']).authenticate(attempt())).toMatchObject({
      kind: 'second-factor-required',
      ticket: 'an-mfa-ticket',
      methods: ['webauthn'],
    });
    expect(await pipelineFor(ada({ mfaEnabled: true }), ['u1']).authenticate(attempt())).toMatchObject({
      methods: ['totp', 'webauthn'],
    });
  });

  it('password-only or code doors: a refusal naming the passkey, after the right password only', async () => {
    for (const secondFactor of ['code', 'append', 'none'] as const) {
      const refused = await pipelineFor(ada(), ['u1'])
        .authenticate(attempt({ secondFactor }))
        .catch((e) => e);
      expect(refused).toMatchObject({ code: 'passkey-required', status: 401 });
      expect(refused.message).toMatch(/passkey/);
      expect(refused.message).toMatch(/app password/);
      const wrong = await pipelineFor(ada(), ['u1'])
        .authenticate(attempt({ secondFactor, password: 'wrong' }))
        .catch((e) => e);
      expect(wrong.code).toBe('invalid-credentials');
    }
  });

  it('a TOTP code still finishes the login on a code door when the account has both', async () => {
    const both = pipelineFor(ada({ mfaEnabled: true }), ['u1']);
    expect((await both.authenticate(attempt({ secondFactor: 'code', code: '123456' }))).kind).toBe('authenticated');
  });

  it('a check that asks no second factor (the old password of a change) is not asked for the passkey', async () => {
    const result = await pipelineFor(ada(), ['u1']).authenticate(attempt({ secondFactor: 'not-asked' }));
    expect(result.kind).toBe('authenticated');
  });
});
