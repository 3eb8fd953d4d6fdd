import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DATABASES, useTestApp, type TestApp } from './helpers/app.js';
import { bearer, claimsOf, headerOf, register } from './helpers/auth.js';

const NS = 'https://hasura.io/jwt/claims';
const HS_KEY = 'k'.repeat(64);

async function userStatus(t: TestApp, token: string) {
  const res = await t.request({ url: '/auth/user', headers: bearer(token) });
  return { status: res.statusCode, code: res.json().code as string | undefined };
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe.each(DATABASES)('access tokens (HS512) on %s', (db) => {
  const get = useTestApp(db, { JWT_KEY: HS_KEY, JWT_ISSUER: 'https://auth.example.com' });

  /** Signs arbitrary claims with the server's own key, as an attacker who stole nothing could not. */
  async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
    const t = get();
    const valid = (await register(t)).jwt_token;
    const h = headerOf(valid);
    return new SignJWT({ ...claimsOf(valid), ...claims })
      .setProtectedHeader({ alg: 'HS512', kid: h.kid as string, typ: 'at+jwt', ...header })
      .sign(createSecretKey(Buffer.from(HS_KEY)));
  }

  it('carries sub, iat, exp, iss, jti, typ and the Hasura claims', async () => {
    const body = await register(get());
    expect(headerOf(body.jwt_token)).toEqual({ alg: 'HS512', typ: 'at+jwt', kid: expect.any(String) });
    const claims = claimsOf(body.jwt_token);
    expect(claims).toMatchObject({
      sub: body.user.id,
      iss: 'https://auth.example.com',
      jti: expect.any(String),
      sid: expect.any(String),
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(15 * 60);
    expect(claims[NS]).toEqual({
      'x-hasura-user-id': body.user.id,
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user'],
      'x-hasura-user-is-anonymous': 'false',
    });
  });

  it('accepts its own token and one the same key signed with the same claims', async () => {
    expect((await userStatus(get(), await forge({}))).status).toBe(200);
  });

  it('refuses alg "none"', async () => {
    const valid = (await register(get())).jwt_token;
    const none = `${b64({ alg: 'none', typ: 'at+jwt', kid: headerOf(valid).kid })}.${valid.split('.')[1]}.`;
    expect(await userStatus(get(), none)).toEqual({ status: 401, code: 'invalid-token' });
  });

  it('refuses a tampered payload', async () => {
    const [h, , sig] = (await register(get())).jwt_token.split('.');
    const other = await register(get());
    const tampered = `${h}.${other.jwt_token.split('.')[1]}.${sig}`;
    expect(await userStatus(get(), tampered)).toEqual({ status: 401, code: 'invalid-token' });
  });

  it('refuses an expired token once the 30 s skew allowance is over', async () => {
    const t = get();
    const token = (await register(t)).jwt_token;
    t.clock.advanceSeconds(15 * 60 + 20);
    expect((await userStatus(t, token)).status).toBe(200); // within the skew allowance (and cached)
    t.clock.advanceSeconds(11);
    expect(await userStatus(t, token)).toEqual({ status: 401, code: 'invalid-token' });
    t.clock.advanceSeconds(-(15 * 60 + 31));
  });

  it('refuses a token that is not yet valid (nbf)', async () => {
    const nbf = Math.floor(get().clock.now().getTime() / 1000) + 120;
    expect((await userStatus(get(), await forge({ nbf }))).status).toBe(401);
  });

  it('refuses other token types signed with the same key', async () => {
    expect((await userStatus(get(), await forge({}, { typ: 'refresh+jwt' }))).status).toBe(401);
    expect((await userStatus(get(), await forge({}, { typ: undefined }))).status).toBe(401);
  });

  it('refuses an unknown kid, another issuer, and missing Hasura claims', async () => {
    expect((await userStatus(get(), await forge({}, { kid: 'someone-else' }))).status).toBe(401);
    expect((await userStatus(get(), await forge({ iss: 'https://evil.example.com' }))).status).toBe(401);
    expect((await userStatus(get(), await forge({ [NS]: undefined }))).status).toBe(401);
  });

  it('refuses a refresh token used as an access token', async () => {
    const body = await register(get());
    expect(await userStatus(get(), body.refresh_token)).toEqual({ status: 401, code: 'invalid-token' });
  });

  it('refuses a missing or malformed Authorization header', async () => {
    expect((await get().request({ url: '/auth/user' })).statusCode).toBe(401);
    const basic = await get().request({ url: '/auth/user', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().code).toBe('unauthenticated');
  });

  it('answers /auth/jwks with a clear 404 for an HMAC algorithm', async () => {
    const res = await get().request({ url: '/auth/jwks' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'jwks-unavailable', message: expect.stringContaining('HS512') });
  });
});

describe.each(DATABASES)('access tokens with asymmetric keys on %s', (db) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const get = useTestApp(db, { JWT_ALGORITHM: 'RS256', JWT_KEY: rsaPem });

  it('publishes the public key at /auth/jwks and signs with its kid', async () => {
    const jwks = (await get().request({ url: '/auth/jwks' })).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: expect.any(String),
      n: expect.any(String),
    });
    expect(jwks.keys[0].d).toBeUndefined();
    const token = (await register(get())).jwt_token;
    expect(headerOf(token)).toMatchObject({ alg: 'RS256', kid: jwks.keys[0].kid });
  });

  it('refuses an HS256 token signed with the public key as HMAC secret (algorithm confusion)', async () => {
    const valid = (await register(get())).jwt_token;
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const confused = await new SignJWT(claimsOf(valid))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: headerOf(valid).kid as string })
      .sign(createSecretKey(Buffer.from(publicPem)));
    expect(await userStatus(get(), confused)).toEqual({ status: 401, code: 'invalid-token' });
  });
});

const GENERATED = DATABASES.flatMap((db) => (['ES256', 'EdDSA'] as const).map((alg) => [alg, db] as const));

describe.each(GENERATED)('a generated %s key on %s', (alg, db) => {
  const get = useTestApp(db, { JWT_ALGORITHM: alg });

  it('signs verifiable tokens and publishes its JWKS', async () => {
    const body = await register(get());
    expect(headerOf(body.jwt_token).alg).toBe(alg);
    expect((await userStatus(get(), body.jwt_token)).status).toBe(200);
    const { keys } = (await get().request({ url: '/auth/jwks' })).json();
    expect(keys[0]).toMatchObject({ alg, kty: alg === 'ES256' ? 'EC' : 'OKP' });
  });
});
