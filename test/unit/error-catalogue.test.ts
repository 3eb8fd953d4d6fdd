import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, type ErrorCode, errors, hasCode } from '../../src/core/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('the error catalogue', () => {
  it('is the only place that creates an AppError (dialect wire errors subclass it in their envelope.ts)', () => {
    const outside = filesUnder(path.join(ROOT, 'src'))
      .filter((file) => path.relative(ROOT, file) !== path.join('src', 'core', 'errors.ts'))
      .filter((file) => /\bnew AppError\b/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(ROOT, file));
    expect(outside).toEqual([]);
  });

  it('never recognizes an error by its message', () => {
    const matching = filesUnder(path.join(ROOT, 'src')).filter((file) =>
      /\berr(or)?\.message\s*===|\bmessage\.(includes|startsWith)\(/.test(readFileSync(file, 'utf8')),
    );
    expect(matching.map((file) => path.relative(ROOT, file))).toEqual([]);
  });

  it('gives each factory its code and status, and uses the detail as the message when given', () => {
    const plain = errors.invalidMfaCode();
    expect(plain).toBeInstanceOf(AppError);
    expect([plain.code, plain.status, plain.message]).toEqual([
      'invalid-mfa-code',
      401,
      'The code is invalid or was already used',
    ]);
    expect(errors.invalidMfaCode.code).toBe('invalid-mfa-code');
    expect(errors.invalidPath('Invalid storage path: empty').message).toBe('Invalid storage path: empty');
  });

  it('keeps the cause of a wrapped error, and never shows it', () => {
    const caught = new Error('ECONNREFUSED 10.0.0.1:389');
    const wrapped = errors.directoryUnavailable(undefined, { cause: caught });
    expect(wrapped.cause).toBe(caught);
    expect(wrapped.message).not.toContain('ECONNREFUSED');
  });

  it('recognizes an error by its code, not by its message', () => {
    const code = errors.invalidMfaCode('Some other words');
    expect(errors.invalidMfaCode.is(code)).toBe(true);
    expect(errors.invalidCredentials.is(code)).toBe(false);
    expect(errors.invalidMfaCode.is(new Error('The code is invalid or was already used'))).toBe(false);
    expect(hasCode(code, 'invalid-mfa-code')).toBe(true);
  });

  it('carries the headers an answer needs (Retry-After)', () => {
    expect(errors.rateLimited(2.2).headers).toEqual({ 'retry-after': '3' });
    expect(errors.databaseUnavailable().headers).toEqual({ 'retry-after': '5' });
    expect(errors.transformsBusy().headers).toEqual({ 'retry-after': '1' });
  });

  it('has one status per code', () => {
    const seen = new Map<ErrorCode, number>();
    for (const factory of Object.values(errors)) {
      if (factory.code === 'shared') continue;
      expect(seen.get(factory.code) ?? factory.status, factory.code).toBe(factory.status);
      seen.set(factory.code, factory.status);
    }
    expect(seen.size).toBeGreaterThan(40);
  });
});
