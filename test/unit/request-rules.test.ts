import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import type { Audit } from '../../src/core/audit/service.js';
import type { LoginPipeline } from '../../src/core/auth/pipeline.js';
import { createReauthentication } from '../../src/core/auth/reauthentication.js';
import type { MfaService } from '../../src/core/mfa/service.js';
import type { UserService } from '../../src/core/users/service.js';
import { cookieWriteAllowed } from '../../src/http/plugins/cookie-origin.js';
import { parseStoragePath } from '../../src/storage/paths.js';

const ALLOWED = ['https://auth.example.com', 'https://app.example.com'];
const request = (method: string, headers: Record<string, string> = {}) =>
  ({ method, headers }) as unknown as FastifyRequest;

describe('the cookie origin rule', () => {
  it('lets safe methods through from anywhere', () => {
    expect(cookieWriteAllowed(request('GET', { origin: 'https://evil.example.net' }), ALLOWED)).toBe(true);
  });

  it('judges a write by Origin, then by Referer when a browser leaves Origin out', () => {
    expect(cookieWriteAllowed(request('POST', { origin: 'https://app.example.com' }), ALLOWED)).toBe(true);
    expect(cookieWriteAllowed(request('POST', { origin: 'https://evil.example.com' }), ALLOWED)).toBe(false);
    expect(cookieWriteAllowed(request('POST', { origin: 'null' }), ALLOWED)).toBe(false);
    expect(cookieWriteAllowed(request('DELETE', { referer: 'https://app.example.com/x?y' }), ALLOWED)).toBe(true);
    expect(cookieWriteAllowed(request('DELETE', { referer: 'https://evil.example.com/' }), ALLOWED)).toBe(false);
    expect(cookieWriteAllowed(request('POST', { referer: 'not a url' }), ALLOWED)).toBe(false);
  });

  it('never takes Sec-Fetch-Site: same-site for enough (a sibling subdomain is the same site)', () => {
    expect(cookieWriteAllowed(request('POST', { 'sec-fetch-site': 'same-site' }), ALLOWED)).toBe(false);
    expect(cookieWriteAllowed(request('POST', { 'sec-fetch-site': 'cross-site' }), ALLOWED)).toBe(false);
  });

  it('takes a request without Origin, Referer or a cross-origin Sec-Fetch-Site for a client that is not a browser', () => {
    expect(cookieWriteAllowed(request('POST'), ALLOWED)).toBe(true);
    expect(cookieWriteAllowed(request('POST', { 'sec-fetch-site': 'same-origin' }), ALLOWED)).toBe(true);
    expect(cookieWriteAllowed(request('POST', { 'sec-fetch-site': 'none' }), ALLOWED)).toBe(true);
  });
});

describe('storage path validation', () => {
  it('accepts nested keys and folders, decoding percent-escapes', () => {
    expect(parseStoragePath('a/b%20c.png')).toEqual({ key: 'a/b c.png', dir: false });
    expect(parseStoragePath('public/')).toEqual({ key: 'public', dir: true });
  });

  it.each([
    ['', 'empty'],
    ['%2Fetc%2Fpasswd', 'absolute'],
    ['a/../b', 'dot segment'],
    ['a//b', 'empty segment'],
    ['C:%5Cx', 'drive letter'],
    ['a%5Cb', 'backslash'],
    ['a%00b', 'control character'],
    ['%E0%A4%A', 'percent-encoded'],
    ['.uploads/x', 'reserved'],
    [`${'x'.repeat(256)}`, 'segment is longer'],
    [`${'x/'.repeat(600)}x`, 'longer than 1024 bytes'],
  ])('refuses %j (%s)', (raw, why) => {
    expect(() => parseStoragePath(raw)).toThrow(expect.objectContaining({ code: 'invalid-path', status: 400 }));
    expect(() => parseStoragePath(raw)).toThrow(why);
  });
});

describe('the re-authentication freshness rule', () => {
  const minutes = 10;
  const now = new Date('2030-01-01T12:00:00Z');
  const freshness = (provenAt: Date | null) =>
    createReauthentication({
      pipeline: {} as LoginPipeline,
      sessions: { provenAt: async () => provenAt, prove: async () => true },
      users: {} as Pick<UserService, 'get' | 'passwordRealm'>,
      mfa: {} as Pick<MfaService, 'verify' | 'enable' | 'disable'>,
      audit: {} as Audit,
      clock: { now: () => now },
      maxAgeMinutes: minutes,
    });
  const caller = { userId: 'u1', sessionId: 's1' };
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('accepts a session proven within REAUTH_MAX_AGE, up to its last millisecond', async () => {
    await expect(freshness(ago(0)).requireFresh(caller)).resolves.toBeUndefined();
    await expect(freshness(ago(minutes * 60_000)).requireFresh(caller)).resolves.toBeUndefined();
  });

  it('refuses an older proof, or none, with 403 reauthentication-required', async () => {
    for (const at of [ago(minutes * 60_000 + 1), null])
      await expect(freshness(at).requireFresh(caller)).rejects.toMatchObject({
        code: 'reauthentication-required',
        status: 403,
      });
  });
});
