import { HasuraAuthClient } from '@nhost/hasura-auth-js';
import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { SIGN_IN_CLIENT, throughProvider, useProvider } from '../helpers/oidc-provider.js';
import { SERVER_URL, useServer, type LiveServer } from './harness/server.js';

// Provider sign-in on the hasura-auth door: GET /v1/auth/signin/provider/oidc through a real OpenID provider
// (oidc-provider), back through the registered callback to redirectTo?refreshToken=…, which
// @nhost/hasura-auth-js 2.12.0 turns into a session, as its autoSignIn does with the URL of the page.
const APP = `${SERVER_URL}/app`;
const CALLBACK = `${SERVER_URL}/auth/providers/oidc/callback`;

function hasuraClient(live: LiveServer) {
  const store = new Map<string, string>();
  return new HasuraAuthClient({
    url: `${live.url}/v1/auth`,
    autoRefreshToken: false,
    autoSignIn: false,
    clientStorageType: 'custom',
    clientStorage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    },
  });
}

describe.each(DATABASES)('hasura-auth provider sign-in on %s', (db) => {
  const provider = useProvider({ redirectUris: () => [CALLBACK] });
  const server = useServer(
    db,
    () => ({
      AUTH_PROVIDER_OIDC_ISSUER: provider.issuer(),
      AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
      AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    }),
    { realTime: true },
  );

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

    const auth = hasuraClient(live);
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
});
