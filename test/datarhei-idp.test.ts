import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, claimsOf } from './helpers/auth.js';
import { AUDIENCE, useProvider } from './helpers/oidc-provider.js';

const idpLogin = (t: TestApp, token: string) =>
  t.request({ method: 'POST', url: '/api/login', headers: bearer(token) });

describe.each(DATABASES)('datarhei login with an external identity provider on %s', (db) => {
  const idp = useProvider();
  const get = useTestApp(db, () => ({
    DATARHEI_IDP_TENANTS: JSON.stringify([{ issuer: idp.issuer(), audience: AUDIENCE, users: ['encoder'] }]),
  }));
  // The provider stamps its tokens with the real time; the app's clock must agree for their lifetime to be judged.
  beforeEach(() => get().clock.advance(Date.now() - get().clock.now().getTime()));

  it('verifies the provider’s token against its JWKS and issues local tokens', async () => {
    const t = get();
    const res = await idpLogin(t, await idp.token('encoder'));
    expect(res.statusCode).toBe(200);
    const { access_token, refresh_token } = res.json();
    expect(claimsOf(access_token)).toMatchObject({ iss: 'datarhei-core', sub: 'encoder', usefor: 'access' });
    expect((await t.request({ url: '/api', headers: bearer(access_token) })).json()).toMatchObject({
      app: 'datarhei-core',
      uptime_seconds: expect.any(Number),
    });
    expect((await t.request({ url: '/api/login/refresh', headers: bearer(refresh_token) })).statusCode).toBe(200);
  });

  it('refuses a subject that is not among the tenant’s users (401)', async () => {
    const res = await idpLogin(get(), await idp.token('intruder'));
    expect([res.statusCode, res.json()]).toEqual([
      401,
      { code: 401, message: 'Unauthorized', details: ['User not allowed'] },
    ]);
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
    const stranger = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://elsewhere.example')
      .setAudience(AUDIENCE)
      .setSubject('encoder')
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await idpLogin(get(), stranger);
    expect([res.statusCode, res.json()]).toEqual([
      400,
      { code: 400, message: 'Bad Request', details: ['Unknown issuer'] },
    ]);
  });
});

/**
 * An identity provider whose signing key the test holds: discovery and a JWKS on 127.0.0.1, so the test can
 * have it issue tokens with any `iat` and `exp`, or none, as a careless or compromised provider would.
 */
function useKeyHoldingIdp() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let server: Server | undefined;
  let issuer = '';
  beforeAll(async () => {
    const jwks = JSON.stringify({
      keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }],
    });
    server = createServer((req, res) => {
      const body = req.url === '/jwks' ? jwks : JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));
  return {
    issuer: () => issuer,
    sign: (claims: { iat?: number; exp?: number }) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setSubject('encoder')
        .sign(privateKey),
  };
}

describe.each(DATABASES)('datarhei identity-provider token lifetimes on %s', (db) => {
  const idp = useKeyHoldingIdp();
  const get = useTestApp(db, () => ({
    DATARHEI_IDP_TENANTS: JSON.stringify([{ issuer: idp.issuer(), audience: AUDIENCE, users: ['encoder'] }]),
  }));
  const now = (t: TestApp) => Math.floor(t.clock.now().getTime() / 1000);
  const DAY = 86_400;

  it('exchanges a token that expires within the bound', async () => {
    const t = get();
    expect((await idpLogin(t, await idp.sign({ iat: now(t), exp: now(t) + 3600 }))).statusCode).toBe(200);
  });

  it('refuses a token without exp, issued 400 days ago (a credential that never expires)', async () => {
    const t = get();
    const res = await idpLogin(t, await idp.sign({ iat: now(t) - 400 * DAY }));
    expect([res.statusCode, res.json()]).toEqual([
      401,
      { code: 401, message: 'Unauthorized', details: ['Token has no expiry'] },
    ]);
    expect((await idpLogin(t, await idp.sign({}))).statusCode).toBe(401);
  });

  it('refuses a token whose lifetime exceeds DATARHEI_IDP_MAX_TOKEN_MINUTES (24 h by default)', async () => {
    const t = get();
    const tooLong = { details: ['Token lifetime too long'], code: 401, message: 'Unauthorized' };
    // Issued long ago but still valid: exp − iat is what counts.
    const old = await idpLogin(t, await idp.sign({ iat: now(t) - 30 * DAY, exp: now(t) + 3600 }));
    expect([old.statusCode, old.json()]).toEqual([401, tooLong]);
    // No iat, or one set late, cannot hide an exp a year away.
    for (const claims of [{ exp: now(t) + 365 * DAY }, { iat: now(t) + 364 * DAY, exp: now(t) + 365 * DAY }]) {
      const res = await idpLogin(t, await idp.sign(claims));
      expect([res.statusCode, res.json()]).toEqual([401, tooLong]);
    }
  });
});
