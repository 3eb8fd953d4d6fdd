import { describe, expect, it } from 'vitest';
import { idpConfig } from '../../src/config/idp.js';
import { allowedReturn, hostOf, hostOfUrl, mayPass } from '../../src/core/oidc/forward.js';

const forward = idpConfig({
  OIDC_ENABLED: false,
  OIDC_CLIENTS_FILE: undefined,
  OIDC_ACCESS_TOKEN_MINUTES: 10,
  OIDC_REFRESH_TOKEN_DAYS: 30,
  OIDC_PAIRWISE_SALT: undefined,
  OIDC_REGISTRATION_TOKEN: undefined,
  FORWARD_AUTH_ENABLED: true,
  FORWARD_AUTH_DOMAINS: 'apps.example, .corp.example',
  FORWARD_AUTH_COOKIE_DOMAIN: undefined,
  FORWARD_AUTH_ROLES: 'admin.apps.example=admin|ops; apps.example=staff',
  FORWARD_AUTH_HEADER_PREFIX: undefined,
}).forward;
const SERVER = 'https://auth.example';

describe("forward-auth's return allow-list (open redirect)", () => {
  it.each([
    'https://apps.example/',
    'https://wiki.apps.example/page?x=1#top',
    'http://deep.sub.corp.example/',
    'https://auth.example/anything',
  ])('lets the browser back to %s', (url) => expect(allowedReturn(url, forward, SERVER)).toBeDefined());

  it.each([
    'https://evil.test/',
    'https://apps.example.evil.test/',
    'https://evilapps.example/',
    'https://apps.example@evil.test/',
    'https://user:pw@apps.example/',
    'javascript:alert(1)//apps.example',
    '//evil.test',
    '/relative',
    'data:text/html,hi',
    '',
    undefined,
  ])('refuses %s', (url) => expect(allowedReturn(url, forward, SERVER)).toBeUndefined());
});

describe("forward-auth's per-host role rules", () => {
  it('applies the first rule naming the host or a parent domain', () => {
    expect(mayPass({ roles: ['ops'] }, 'admin.apps.example', forward)).toBe(true);
    expect(mayPass({ roles: ['staff'] }, 'admin.apps.example', forward)).toBe(false);
    expect(mayPass({ roles: ['staff'] }, 'wiki.apps.example', forward)).toBe(true);
    expect(mayPass({ roles: ['user'] }, 'wiki.apps.example', forward)).toBe(false);
  });

  it('lets any signed-in user through to a host no rule names', () => {
    expect(mayPass({ roles: ['user'] }, 'other.example', forward)).toBe(true);
  });

  it('reads a host header without its port, first value, any case', () => {
    expect(hostOf('Wiki.Apps.Example:8443, proxy.internal')).toBe('wiki.apps.example');
  });

  // Bug: `admin.apps.example.` (a trailing dot, which DNS and nginx route to the same host) or a port that is no
  // number (which nginx drops) matched no rule, so a user without the rule's role passed.
  it.each([
    'admin.apps.example.',
    'ADMIN.apps.example..',
    'admin.apps.example.:443',
    'admin.apps.example:x',
    'admin.apps.example:',
  ])('reads the host %s as the one its rule names', (value) => {
    expect(hostOf(value)).toBe('admin.apps.example');
    expect(mayPass({ roles: ['staff'] }, hostOf(value) ?? null, forward)).toBe(false);
  });

  it('reads the host of an X-Original-URL, also where the URL does not parse', () => {
    expect(hostOfUrl('https://Admin.Apps.Example.:8443/page')).toBe('admin.apps.example');
    expect(hostOfUrl('https://admin.apps.example:x/page')).toBe('admin.apps.example');
    expect(hostOfUrl('http://u@admin.apps.example:x/')).toBe('admin.apps.example');
    expect(hostOfUrl('http://[::1]:80/')).toBe('[::1]');
    expect(hostOfUrl('not a url')).toBeUndefined();
    expect(hostOfUrl('http://[::1')).toBeUndefined();
  });

  it('refuses a host it cannot read (or none named) where role rules exist, since it could be any', () => {
    expect(mayPass({ roles: ['admin'] }, null, forward)).toBe(false);
    expect(mayPass({ roles: ['user'] }, null, { ...forward, roles: [] })).toBe(true);
  });
});
