import { describe, expect, it } from 'vitest';
import { createPasswordPolicy } from '../../src/core/passwords/policy.js';
import { normalizeEmail } from '../../src/core/users/email.js';
import { lineBatcher, redactUrl } from '../../src/http/plugins/request-log.js';
import { lazyRequestLogger } from '../../src/http/plugins/request-logger.js';
import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';

describe('redactUrl', () => {
  it('hides every credential-carrying query parameter and keeps the rest', () => {
    expect(redactUrl('/auth/token/refresh?refresh_token=abc&x=1')).toBe(
      '/auth/token/refresh?refresh_token=[REDACTED]&x=1',
    );
    expect(redactUrl('/api/v1/auth/current?access-token=t0k3n')).toBe('/api/v1/auth/current?access-token=[REDACTED]');
    expect(redactUrl('/auth/activate?x=1&ticket=T&code=123456&password=p')).toBe(
      '/auth/activate?x=1&ticket=[REDACTED]&code=[REDACTED]&password=[REDACTED]',
    );
    expect(redactUrl('/storage/o/a.png?token=abc#frag')).toBe('/storage/o/a.png?token=[REDACTED]#frag');
    expect(redactUrl('/auth/user')).toBe('/auth/user');
  });

  it('redacts percent-encoded credential names, as the router decodes them (log-redaction bypass)', () => {
    expect(redactUrl('/auth/token/refresh?refresh%5Ftoken=abc')).toBe('/auth/token/refresh?refresh%5Ftoken=[REDACTED]');
    expect(redactUrl('/storage/o/a.png?%74oken=abc&w=1')).toBe('/storage/o/a.png?%74oken=[REDACTED]&w=1');
    expect(redactUrl('/x?%E0%A4%A=1&a=2')).toBe('/x?%E0%A4%A=[REDACTED]&a=2');
    expect(redactUrl('/x?a=1&flag&b=2')).toBe('/x?a=1&flag&b=2');
  });
});

describe('lineBatcher', () => {
  it('hands whole lines over in chunks, then what waits at its interval, then the rest on close', async () => {
    const chunks: string[] = [];
    const lines = lineBatcher({ write: (chunk: string) => chunks.push(chunk) }, { chunkChars: 10, everyMs: 20 });
    lines.write('aaaa\n');
    expect(chunks).toEqual([]);
    lines.write('bbbbb\n'); // 11 characters waiting: over the chunk size
    expect(chunks).toEqual(['aaaa\nbbbbb\n']);
    lines.write('c\n');
    await new Promise((r) => setTimeout(r, 60));
    expect(chunks).toEqual(['aaaa\nbbbbb\n', 'c\n']);
    lines.write('d\n');
    lines.close();
    expect(chunks).toEqual(['aaaa\nbbbbb\n', 'c\n', 'd\n']);
    await new Promise((r) => setTimeout(r, 60));
    expect(chunks).toHaveLength(3);
  });
});

describe('lazyRequestLogger', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    return { lines, logger: pino({ level: 'info', redact: { paths: ['*.password'], censor: '[REDACTED]' } }, stream) };
  };

  it("writes through a child bound to the request id, with the parent's redaction", async () => {
    const { lines, logger } = capture();
    const log = lazyRequestLogger(logger, { reqId: 'req-7' }, {});
    log.error({ body: { password: 'hunter2' }, err: new Error('boom') }, 'unhandled error');
    log.debug('not at this level');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      reqId: 'req-7',
      msg: 'unhandled error',
      body: { password: '[REDACTED]' },
    });
    expect(log.level).toBe('info');
    expect((log as unknown as Logger).isLevelEnabled('debug')).toBe(false);
  });

  it('keeps the bindings of its own children and a level set on it', async () => {
    const { lines, logger } = capture();
    const log = lazyRequestLogger(logger, { reqId: 'req-8' }, {});
    log.level = 'debug';
    log.debug('now on');
    log.child({ part: 'zip' }).warn('zip warning');
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, reqId: 'req-8', msg: 'now on' }),
      expect.objectContaining({ level: 40, reqId: 'req-8', part: 'zip' }),
    ]);
    expect(logger.isLevelEnabled('debug')).toBe(false);
  });
});

describe('normalizeEmail', () => {
  it('trims, NFC-normalises and lower-cases', () => {
    expect(normalizeEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizeEmail('Jose\u0301@example.com')).toBe('jos\u00e9@example.com');
  });
});

describe('password policy', () => {
  const policy = createPasswordPolicy({ minLength: 8, maxLength: 10 });

  it('counts code points, so astral characters are one character each', () => {
    expect(policy.check('🔑🔑🔑🔑🔑🔑🔑🔑')).toBe('🔑🔑🔑🔑🔑🔑🔑🔑'); // 8 characters, 16 UTF-16 units
    expect(() => policy.check('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑')).toThrow(/at most 10/);
  });

  it('returns the NFC form, which is what gets hashed', () => {
    expect(policy.check('cafe\u0301-bar-9')).toBe('caf\u00e9-bar-9');
  });

  it('refuses passwords of the bundled common list, whatever their case', () => {
    for (const common of ['password', 'iloveyou', 'Sunshine1', 'QWERTY123'])
      expect(() => policy.check(common)).toThrow(/too common/);
  });
});
