import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, claimsOf } from './helpers/auth.js';
import { AUDIENCE, useProvider } from './helpers/oidc-provider.js';

const idpLogin = (t: TestApp, token: string) => t.request({ method: 'POST', url: '/api/login', headers: bearer(token) });

describe.each(DATABASES)('datarhei login with an external identity provider on %s', (db) => {
  const idp = useProvider();
  const get = useTestApp(db, () => ({ DATARHEI_IDP_TENANTS: JSON.stringify([{ issuer: idp.issuer(), audience: AUDIENCE, users: ['encoder'] }]) }));

  it('verifies the provider’s token against its JWKS and issues local tokens', async () => {
    const t = get();
    const res = await idpLogin(t, await idp.token('encoder'));
    expect(res.statusCode).toBe(200);
    const { access_token, refresh_token } = res.json();
    expect(claimsOf(access_token)).toMatchObject({ iss: 'datarhei-core', sub: 'encoder', usefor: 'access' });
    expect((await t.request({ url: '/api', headers: bearer(access_token) })).json()).toMatchObject({ app: 'datarhei-core', uptime_seconds: expect.any(Number) });
    expect((await t.request({ url: '/api/login/refresh', headers: bearer(refresh_token) })).statusCode).toBe(200);
  });

  it('refuses a subject that is not among the tenant’s users (401)', async () => {
    const res = await idpLogin(get(), await idp.token('intruder'));
    expect([res.statusCode, res.json()]).toEqual([401, { code: 401, message: 'Unauthorized', details: ['User not allowed'] }]);
  });

  it('refuses a token for another audience (stricter than datarhei)', async () => {
    const res = await idpLogin(get(), await idp.token('encoder', 'https://other.example'));
    expect(res.statusCode).toBe(401);
  });

  it('refuses a token with the tenant’s issuer but signed by another key (unknown kid)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker' })
      .setIssuer(idp.issuer())
      .setAudience(AUDIENCE)
      .setSubject('encoder')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await idpLogin(get(), forged)).statusCode).toBe(401);
  });

  it('answers 400 for an issuer that is not a tenant', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stranger = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://elsewhere.example').setAudience(AUDIENCE).setSubject('encoder').setExpirationTime('5m').sign(privateKey);
    const res = await idpLogin(get(), stranger);
    expect([res.statusCode, res.json()]).toEqual([400, { code: 400, message: 'Bad Request', details: ['Unknown issuer'] }]);
  });
});
