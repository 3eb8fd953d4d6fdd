import type { NhostClient } from 'nhost-js-sdk';
import type { Provider } from 'nhost-js-sdk/dist/types.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { useBrowser } from '../helpers/browser.js';
import { SIGN_IN_CLIENT, useProvider } from '../helpers/oidc-provider.js';
import { useSdkApp } from './harness/nhost-page.js';
import { ADMIN_SECRET, useServer } from './harness/server.js';

// nhost-js-sdk 3.1.0, unchanged, in a real Chromium: auth.login({ provider }) sends the browser to
// Gatehouse, which sends it to a real OpenID provider and back to the app with the refresh token.

declare global {
  interface Window {
    nhost: NhostClient;
  }
}

describe.each(DATABASES)('nhost-js-sdk 3.1.0 signs in with an OpenID Connect provider on %s', (db) => {
  const provider = useProvider({ redirectUris: () => [`${server().url}/auth/providers/oidc/callback`] });
  const app = useSdkApp(() => server().url);
  const server = useServer(
    db,
    () => ({
      REDIRECT_URL_SUCCESS: `${app.origin()}/welcome`,
      REDIRECT_URL_ERROR: `${app.origin()}/sorry`,
      CORS_ORIGINS: app.origin(),
      AUTH_PROVIDER_OIDC_ISSUER: provider.issuer(),
      AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
      AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    }),
    { reachable: true },
  );
  const browser = useBrowser();
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  /** The app's page in a fresh browser profile, its SDK client not signed in. */
  async function openApp(): Promise<Page> {
    const context = await browser().newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${app.origin()}/`);
    expect(await page.evaluate(() => window.nhost.auth.isAuthenticatedAsync())).toBe(false);
    return page;
  }

  /** auth.login({ provider: 'oidc' }), then the provider's login (as `account`) and consent pages, as a person would. */
  async function loginWithProvider(page: Page, account: string) {
    // The SDK's typings list eight provider names; its code sends the browser to any.
    await page.evaluate(() => void window.nhost.auth.login({ provider: 'oidc' as Provider }));
    await page.waitForURL(`${provider.issuer()}/**`);
    await page.fill('input[name=login]', account);
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=prompt][value=consent]', { state: 'attached' });
    await page.click('button[type=submit]');
    await page.waitForURL(`${app.origin()}/**`);
  }

  it('follows auth.login({ provider }) through the provider back to the app, where the SDK takes up the refresh token and is signed in', async () => {
    const live = server();
    const page = await openApp();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await loginWithProvider(page, 'nora');

    // The SDK went to /auth/providers/oidc; Gatehouse sent the browser back to REDIRECT_URL_SUCCESS with refresh_token.
    expect(requests).toContain(`${live.url}/auth/providers/oidc`);
    const landing = requests.find((u) => u.startsWith(`${app.origin()}/welcome?`));
    expect(new URL(landing!).searchParams.get('refresh_token')).toMatch(/\S{20,}/);
    await page.waitForFunction(() => window.nhost.auth.isAuthenticated() === true);
    // The SDK took the token out of the address bar and keeps the rotated one.
    expect(page.url()).toBe(`${app.origin()}/welcome`);
    const state = await page.evaluate(() => ({
      user: window.nhost.auth.user(),
      userId: window.nhost.auth.getClaim('x-hasura-user-id'),
      jwt: window.nhost.auth.getJWTToken(),
      stored: window.localStorage.getItem('nhostRefreshToken'),
    }));
    expect(state.user).toMatchObject({ email: 'nora@example.net', display_name: 'Person nora' });
    expect(state.userId).toBe((state.user as { id: string }).id);
    expect(state.stored).toEqual(expect.any(String));
    expect(state.stored).not.toBe(new URL(landing!).searchParams.get('refresh_token'));

    const me = await fetch(`${live.url}/auth/user`, { headers: { authorization: `Bearer ${state.jwt}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: state.userId, email: 'nora@example.net', email_verified: true });
    const linked = await fetch(`${live.url}/auth/providers`, { headers: { authorization: `Bearer ${state.jwt}` } });
    expect(await linked.json()).toEqual([expect.objectContaining({ provider: 'oidc', email: 'nora@example.net' })]);
  });

  it('signs the same person in again as the same user, in another browser', async () => {
    const first = await openApp();
    await loginWithProvider(first, 'otto');
    await first.waitForFunction(() => window.nhost.auth.isAuthenticated() === true);
    const page = await openApp();
    await loginWithProvider(page, 'otto');
    await page.waitForFunction(() => window.nhost.auth.isAuthenticated() === true);
    const ids = await Promise.all(
      [first, page].map((p) => p.evaluate(() => window.nhost.auth.getClaim('x-hasura-user-id'))),
    );
    expect(ids[1]).toBe(ids[0]);
  });

  it('lands on REDIRECT_URL_ERROR, not signed in, when the provider does not vouch for an address another account has', async () => {
    const live = server();
    const res = await fetch(`${live.url}/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-secret': ADMIN_SECRET },
      body: JSON.stringify({ email: 'unverified-pia@example.net', password: 'a local passphrase 1' }),
    });
    expect(res.status).toBe(201);
    const page = await openApp();
    await loginWithProvider(page, 'unverified-pia');
    expect(page.url()).toBe(`${app.origin()}/sorry?error=provider-email-unverified`);
    expect(await page.evaluate(() => window.nhost.auth.isAuthenticatedAsync())).toBe(false);
  });
});
