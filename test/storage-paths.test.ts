import { describe, expect, it } from 'vitest';
import { parseStoragePath } from '../src/storage/paths.js';

describe('parseStoragePath', () => {
  it('accepts ordinary keys and folders, decoding percent-encoding', () => {
    expect(parseStoragePath('public/a.png')).toEqual({ key: 'public/a.png', dir: false });
    expect(parseStoragePath('user/42/photos/')).toEqual({ key: 'user/42/photos', dir: true });
    expect(parseStoragePath('public/caf%C3%A9%20menu.pdf')).toEqual({ key: 'public/café menu.pdf', dir: false });
  });

  it.each([
    ['../etc/passwd', 'dot segment'],
    ['public/../../etc', 'dot segment'],
    ['public/%2e%2e/secret', 'dot segment'],
    ['public/./a', 'dot segment'],
    ['public//a', 'empty segment'],
    ['/etc/passwd', 'absolute'],
    ['%2Fetc%2Fpasswd', 'absolute'],
    ['C:/windows', 'drive letter'],
    ['public\\..\\a', 'backslash'],
    ['public/%5C..%5Ca', 'backslash'],
    ['public/a%00.png', 'control character'],
    ['public/%FF%FE', 'UTF-8'],
    ['public/%E0%A4', 'UTF-8'],
    ['.variants/x', 'reserved'],
    ['.tmp/x', 'reserved'],
    ['', 'empty'],
    ['/', 'empty'],
    [`public/${'a'.repeat(256)}`, 'longer than 255'],
    [Array.from({ length: 120 }, () => 'abcdefghi').join('/'), 'longer than 1024'],
  ])('refuses %j (%s)', (raw, why) => {
    expect(() => parseStoragePath(raw)).toThrow(why);
  });
});
