import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
// @ts-expect-error -- oidc-provider 8 ships no types; only the constructor and listen() are used.
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, claimsOf } from './helpers/auth.js';

const AUDIENCE = 'https://core.example';

/** A real OpenID provider on 127.0.0.1 that issues JWT access tokens by client_credentials. */
function useProvider() {
  let server: Server | undefined;
  let issuer = '';
  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const provider = new Provider(issuer, {
      clients: ['encoder', 'intruder'].map((id) => ({ client_id: id, client_secret: `${id}-secret`, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] })),
      features: {
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({ scope: 'api', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
        },
      },
    });
    server.on('request', provider.callback());
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));
  return {
    issuer: () => issuer,
    async token(client: string, resource = AUDIENCE): Promise<string> {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api', resource }).toString(),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    },
  };
}

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
