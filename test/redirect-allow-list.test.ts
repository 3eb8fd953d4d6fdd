import { describe, expect, it } from 'vitest';
import { isAllowedRedirect } from '../src/core/redirect-allow-list.js';

describe('redirect allow-list', () => {
  const allowed = ['https://app.example.com/welcome', 'http://localhost:5173/'];

  it.each([
    'https://app.example.com/welcome',
    'https://app.example.com/welcome/',
    'https://app.example.com/welcome/deeper?x=1#y',
    'http://localhost:5173/anything',
  ])('allows %s', (url) => expect(isAllowedRedirect(url, allowed)).toBe(true));

  it.each([
    'https://app.example.com/welcomeback',
    'https://app.example.com/',
    'http://app.example.com/welcome',
    'https://app.example.com.evil.net/welcome',
    'https://app.example.com@evil.net/welcome',
    'https://user:pw@app.example.com/welcome',
    'https://app.example.com:444/welcome',
    '//evil.net/welcome',
    '/welcome',
    'javascript:alert(1)',
    'data:text/html,hi',
    'not a url',
  ])('refuses %s', (url) => expect(isAllowedRedirect(url, allowed)).toBe(false));
});
