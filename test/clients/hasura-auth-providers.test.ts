import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { useHasuraAuth } from '../helpers/hasura-auth-clients.js';
import { SIGN_IN_CLIENT, throughProvider, useProvider } from '../helpers/oidc-provider.js';
import { SERVER_URL } from './harness/server.js';

// Provider sign-in on the hasura-auth door: GET /v1/auth/signin/provider/oidc through a real OpenID provider
// (oidc-provider), back through the registered callback to redirectTo?refreshToken=…, which
// @nhost/hasura-auth-js 2.12.0 turns into a session, as its autoSignIn does with the URL of the page.
const APP = `${SERVER_URL}/app`;
const CALLBACK = `${SERVER_URL}/auth/providers/oidc/callback`;

/** What a native app does with the provider's SDK: an authorization-code sign-in of its own, for an ID token. */
async function idTokenFrom(issuer: string, account: string, nonce: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: SIGN_IN_CLIENT.id,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid email profile',
    state: randomBytes(16).toString('base64url'),
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    auth.searchParams.set(k, v);
  const back = new URL(await throughProvider(auth.toString(), account, CALLBACK));
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id: SIGN_IN_CLIENT.id,
      client_secret: SIGN_IN_CLIENT.secret,
    }).toString(),
  });
  return ((await res.json()) as { id_token: string }).id_token;
}

describe.each(DATABASES)('hasura-auth provider sign-in on %s', (db) => {
  const provider = useProvider({ redirectUris: () => [CALLBACK] });
  const { server, hasura } = useHasuraAuth(db, {
    env: () => ({
      AUTH_PROVIDER_OIDC_ISSUER: provider.issuer(),
      AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
      AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    }),
    options: { realTime: true },
  });

  it('signs in through the provider and lands on redirectTo with refreshToken, which the client signs in with', async () => {
    const live = server();
    const start = await fetch(`${live.url}/v1/auth/signin/provider/oidc?redirectTo=${encodeURIComponent(APP)}`, {
      redirect: 'manual',
    });
    expect(start.status).toBe(302);
    const flowCookie = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const callback = await throughProvider(start.headers.get('location')!, 'hana', CALLBACK);
    const back = await fetch(callback.replace(SERVER_URL, live.url), {
      redirect: 'manual',
      headers: { cookie: flowCookie },
    });
    expect(back.status).toBe(302);
    const landing = new URL(back.headers.get('location')!);
    expect(`${landing.origin}${landing.pathname}`).toBe(APP);
    const refreshToken = landing.searchParams.get('refreshToken')!;
    expect(refreshToken).toBeTruthy();

    const auth = hasura();
    expect((await auth.refreshSession(refreshToken)).error).toBeNull();
    expect(auth.getUser()).toMatchObject({ email: 'hana@example.net', emailVerified: true });
  });

  it('refuses a redirectTo outside the allow-list before sending anyone to the provider', async () => {
    const live = server();
    const res = await fetch(`${live.url}/v1/auth/signin/provider/oidc?redirectTo=https://evil.example/`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, error: 'redirectTo-not-allowed' });
  });

  it("signs in with an ID token (signInIdToken), and refuses a token whose nonce is not the app's", async () => {
    const live = server();
    const nonce = randomBytes(16).toString('base64url');
    const idToken = await idTokenFrom(provider.issuer(), 'ida', nonce);
    const auth = hasura();
    const signedIn = await auth.signInIdToken({ provider: 'oidc' as never, idToken, nonce });
    expect(signedIn.error).toBeNull();
    expect(auth.getUser()).toMatchObject({ email: 'ida@example.net' });

    const replayed = await fetch(`${live.url}/v1/auth/signin/idtoken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'oidc', idToken, nonce: 'another app nonce' }),
    });
    expect(replayed.status).toBe(401);
    const forged = await fetch(`${live.url}/v1/auth/signin/idtoken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'oidc', idToken: `${idToken.slice(0, -4)}AAAA` }),
    });
    expect(forged.status).toBe(401);
  });

  it("links an ID token's provider account to the signed-in user, whose next ID-token sign-in is that account", async () => {
    const auth = hasura();
    const email = `linker-${randomBytes(4).toString('hex')}@example.com`;
    expect((await auth.signUp({ email, password: 'hasura provider passphrase 5' })).error).toBeNull();
    const linked = await auth.linkIdToken({
      provider: 'oidc' as never,
      idToken: await idTokenFrom(provider.issuer(), 'lina', 'nonce-one'),
      nonce: 'nonce-one',
    });
    expect(linked.error).toBeNull();
    const later = hasura();
    const idToken = await idTokenFrom(provider.issuer(), 'lina', 'nonce-two');
    expect((await later.signInIdToken({ provider: 'oidc' as never, idToken, nonce: 'nonce-two' })).error).toBeNull();
    expect(later.getUser()?.id).toBe(auth.getUser()?.id);
  });
});

describe.each(DATABASES)('hasura-auth provider sign-in with HASURA_AUTH_REDIRECT_TOKEN_IN=fragment on %s', (db) => {
  const provider = useProvider({ redirectUris: () => [CALLBACK] });
  const { server, hasura } = useHasuraAuth(db, {
    env: () => ({
      HASURA_AUTH_REDIRECT_TOKEN_IN: 'fragment',
      AUTH_PROVIDER_OIDC_ISSUER: provider.issuer(),
      AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
      AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    }),
    options: { realTime: true },
  });

  it('lands on redirectTo with refreshToken in the fragment (kept out of logs), which the client signs in with', async () => {
    const live = server();
    const start = await fetch(`${live.url}/v1/auth/signin/provider/oidc?redirectTo=${encodeURIComponent(APP)}`, {
      redirect: 'manual',
    });
    const flowCookie = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const callback = await throughProvider(start.headers.get('location')!, 'fran', CALLBACK);
    const back = await fetch(callback.replace(SERVER_URL, live.url), {
      redirect: 'manual',
      headers: { cookie: flowCookie },
    });
    const landing = new URL(back.headers.get('location')!);
    expect(`${landing.origin}${landing.pathname}${landing.search}`).toBe(APP);
    const refreshToken = new URLSearchParams(landing.hash.slice(1)).get('refreshToken')!;
    const auth = hasura();
    expect((await auth.refreshSession(refreshToken)).error).toBeNull();
    expect(auth.getUser()).toMatchObject({ email: 'fran@example.net' });
  });
});
