import { describe, expect, it } from 'vitest';
import type { Audit, AuditEvent } from '../../src/core/audit/service.js';
import type { PasskeyProof } from '../../src/core/auth/attempt.js';
import { createSecondStep, MFA_TICKET_ATTEMPTS } from '../../src/core/auth/second-step.js';
import { AppError } from '../../src/core/errors.js';
import type { LoginThrottle } from '../../src/core/throttle/login-failures.js';
import type { Tickets } from '../../src/core/tickets/service.js';
import type { User } from '../../src/core/users/service.js';

// One second step for both proofs (a TOTP code, a passkey assertion), with in-memory collaborators.
const NOW = new Date('2030-01-01T00:00:00Z');
const ada = { id: 'u1', email: 'ada@example.com', active: true, disabled: false, bannedUntil: null } as User;

function world() {
  const tries = new Map<string, number>();
  const consumed: string[] = [];
  const failures: string[] = [];
  const events: Partial<AuditEvent>[] = [];
  const tickets = {
    async attempt(_purpose: string, ticket: string, max: number) {
      const n = (tries.get(ticket) ?? 0) + 1;
      tries.set(ticket, n);
      if (n > max || consumed.includes(ticket)) throw new AppError('invalid-ticket', 401, 'Invalid ticket');
      return { userId: ada.id };
    },
    async consume(_purpose: string, ticket: string) {
      consumed.push(ticket);
    },
  } as unknown as Tickets;
  const mfaThrottle = {
    begin: async (key: string) => ({ succeed: async () => undefined, fail: () => void failures.push(key) }),
  } as unknown as LoginThrottle;
  const passkey = (ok: boolean): PasskeyProof => ({ userId: ada.id, check: async () => (ok ? undefined : 'bad') });
  const step = createSecondStep(
    {
      tickets,
      mfaThrottle,
      mfa: { verify: async (_id, code) => code === '123456' },
      users: { get: async (id) => (id === ada.id ? ada : undefined), touchLogin: async () => undefined },
      audit: { record: async (e: AuditEvent) => void events.push(e) } as unknown as Audit,
      clock: { now: () => NOW },
      passkeyProof: async (credential) => passkey((credential as unknown as { ok: boolean }).ok),
    },
    async (user, _client, door) => ({ user: user.id, door }),
  );
  return { step, failures, events, consumed };
}

const client = { ip: '127.0.0.1', userAgent: 'test' };
const totp = (code: string) => ({ method: 'totp' as const, code });
const key = (ok: boolean) => ({ method: 'webauthn' as const, credential: { ok } as never });

describe('the second step of a login, whatever proves it', () => {
  it('opens a session on the door it came through, with a code or with a passkey', async () => {
    const { step, events } = world();
    expect(await step('t1', totp('123456'), client, 'hasura-auth')).toEqual({ user: 'u1', door: 'hasura-auth' });
    expect(await step('t2', key(true), client)).toEqual({ user: 'u1', door: 'hbp' });
    expect(events.map((e) => [e.action, e.outcome, e.detail])).toEqual([
      ['login.mfa', 'success', { method: 'totp' }],
      ['login.mfa', 'success', { method: 'webauthn' }],
    ]);
  });

  it('counts wrong codes and wrong passkeys against the same ticket and the same MFA counter', async () => {
    const { step, failures } = world();
    const wrong = [totp('000000'), key(false), totp('111111'), key(false), totp('222222')];
    for (const proof of wrong) await expect(step('t', proof, client)).rejects.toBeInstanceOf(AppError);
    expect(failures).toEqual(Array(MFA_TICKET_ATTEMPTS).fill('mfa:u1'));
    // The ticket is void now, even for the right code.
    await expect(step('t', totp('123456'), client)).rejects.toMatchObject({ code: 'invalid-ticket' });
  });

  it('refuses a wrong proof with its own code: invalid-mfa-code for a code, invalid-passkey for a passkey', async () => {
    const { step } = world();
    await expect(step('t', totp('000000'), client)).rejects.toMatchObject({ code: 'invalid-mfa-code' });
    await expect(step('t', key(false), client)).rejects.toMatchObject({ code: 'invalid-passkey' });
  });

  it('spends the ticket once it succeeded (a replayed ticket opens nothing)', async () => {
    const { step, consumed } = world();
    await step('t', key(true), client);
    expect(consumed).toEqual(['t']);
    await expect(step('t', totp('123456'), client)).rejects.toMatchObject({ code: 'invalid-ticket' });
  });
});
