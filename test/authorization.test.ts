import { describe, expect, it } from 'vitest';
import { bareToken, isToken, parseAuthorization } from '../src/http/authorization.js';

// The one reading of the Authorization header that the guard and every dialect share.
describe('Authorization header parser', () => {
  it('splits the scheme (case-insensitive) from its credentials', () => {
    expect(parseAuthorization('Bearer abc.def')).toEqual({ scheme: 'bearer', credentials: 'abc.def' });
    expect(parseAuthorization('IMPERSONATE  tok ')).toEqual({ scheme: 'impersonate', credentials: 'tok' });
    expect(parseAuthorization('Basic\tdXNlcjpwdw==')).toEqual({ scheme: 'basic', credentials: 'dXNlcjpwdw==' });
  });

  it('reads a lone word as a scheme without credentials, and no header as none', () => {
    expect(parseAuthorization('Bearer')).toEqual({ scheme: 'bearer', credentials: '' });
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization('   ')).toBeUndefined();
  });

  it('takes a token only without blanks inside', () => {
    expect(isToken('abc')).toBe(true);
    expect(isToken('a b')).toBe(false);
    expect(isToken('')).toBe(false);
  });

  it('reads a bare token header as its trimmed value', () => {
    expect(bareToken(' eyJ.x.y ')).toBe('eyJ.x.y');
    expect(bareToken('')).toBeUndefined();
    expect(bareToken(undefined)).toBeUndefined();
  });
});
