import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HasuraAuthClient } from '@nhost/hasura-auth-js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { screenshot, useBrowser } from '../helpers/browser.js';
import { useHasuraAuth } from '../helpers/hasura-auth-clients.js';
import { SIGN_IN_CLIENT, useProvider } from '../helpers/oidc-provider.js';
import { useSmtp } from '../helpers/smtp.js';
import { useHasuraAuthApp } from './harness/hasura-auth-page.js';
import { freshEmail } from './harness/server.js';

// @nhost/hasura-auth-js 2.12.0's browser bundle, unchanged, in a real Chromium on an app origin of its own: the
// flows that leave the page and come back with the refresh token in the URL (provider sign-in through a real
// OpenID provider, a magic link and an email verification mailed through a real SMTP server), which the client's
// autoSignIn takes up and removes from the address bar.

declare global {
  interface Window {
    auth: HasuraAuthClient;
  }
}

describe.each(DATABASES)('hasura-auth-js in Chromium on %s', (db) => {
  const smtp = useSmtp();
  const provider = useProvider({ redirectUris: () => [`${hasura.server().url}/auth/providers/oidc/callback`] });
  const app = useHasuraAuthApp(() => hasura.authUrl());
  const hasura = useHasuraAuth(db, {
    env: () => ({
      ...smtp().env,
      MAGIC_LINK_ENABLED: 'true',
      REDIRECT_URL_SUCCESS: `${app.origin()}/welcome`,
      REDIRECT_URL_ERROR: `${app.origin()}/sorry`,
      CORS_ORIGINS: app.origin(),
      AUTH_PROVIDER_OIDC_ISSUER: provider.issuer(),
      AUTH_PROVIDER_OIDC_CLIENT_ID: SIGN_IN_CLIENT.id,
      AUTH_PROVIDER_OIDC_CLIENT_SECRET: SIGN_IN_CLIENT.secret,
    }),
    options: { reachable: true },
  });
  const browser = useBrowser();
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  /** The app's page in a fresh browser profile, its client not signed in. */
  async function openApp(): Promise<Page> {
    const context = await browser().newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${app.origin()}/`);
    expect(await page.evaluate(() => window.auth.isAuthenticatedAsync())).toBe(false);
    return page;
  }

  /** What the app's page shows, once the client has signed in. */
  async function shown(page: Page): Promise<string> {
    await page.waitForFunction(() => document.getElementById('state')?.textContent?.startsWith('Signed in'));
    return (await page.locator('#state').textContent()) ?? '';
  }

  /** Where the browser went: every URL it asked for, in order. */
  const recordRequests = (page: Page) => {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    return urls;
  };

  /** Waits for the client to sign in from the URL, then checks it removed the token from the address bar. */
  async function signedInFromUrl(page: Page, urls: string[]) {
    await page.waitForFunction(() => window.auth.isAuthenticated());
    const landing = urls.find((u) => u.startsWith(`${app.origin()}/welcome?`))!;
    expect(new URL(landing).searchParams.get('refreshToken')).toMatch(/\S{20,}/);
    await page.waitForFunction(() => !window.location.search.includes('refreshToken'));
    expect(page.url()).not.toContain('refreshToken');
    return page.evaluate(() => ({
      user: window.auth.getUser(),
      anonymous: window.auth.getHasuraClaim('user-is-anonymous'),
      stored: window.localStorage.getItem('nhostRefreshToken'),
    }));
  }

  it('signs in with the provider: signIn({ provider }) → the provider → back to the app with refreshToken', async () => {
    const page = await openApp();
    const urls = recordRequests(page);
    await page.evaluate(() => void window.auth.signIn({ provider: 'oidc' as never }));
    await page.waitForURL(`${provider.issuer()}/**`);
    await page.fill('input[name=login]', 'hanna');
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=prompt][value=consent]', { state: 'attached' });
    await page.click('button[type=submit]');
    await page.waitForURL(`${app.origin()}/**`);

    expect(urls).toContain(`${hasura.authUrl()}/signin/provider/oidc`);
    const state = await signedInFromUrl(page, urls);
    expect(state.user).toMatchObject({ email: 'hanna@example.net', emailVerified: true, isAnonymous: false });
    expect(state.anonymous).toBe('false');
    expect(state.stored).toEqual(expect.any(String));
    expect(await shown(page)).toBe('Signed in as hanna@example.net (address verified) at /welcome');
    await screenshot(page, `hasura-auth-provider-${db}`, false);
    await page.screenshot({ path: path.join(tmpdir(), `hasura-auth-provider-${db}.png`) });
  });

  it('signs in by clicking the mailed magic link, which the client takes up on the app', async () => {
    const page = await openApp();
    const email = freshEmail('browser-magic');
    const sent = await page.evaluate((address) => window.auth.signIn({ email: address }), email);
    expect(sent.error).toBeNull();
    const link = (await smtp().waitFor(email)).links.find((l) => l.includes('/verify?'))!;
    expect(new URL(link).searchParams.get('type')).toBe('signinPasswordless');
    const urls = recordRequests(page);
    await page.goto(link);
    const state = await signedInFromUrl(page, urls);
    expect(state.user).toMatchObject({ email, emailVerified: true });
    expect(await shown(page)).toBe(`Signed in as ${email} (address verified) at /welcome`);
    await page.screenshot({ path: path.join(tmpdir(), `hasura-auth-magic-${db}.png`) });
  });

  it("verifies the address through the mailed /verify link, and is signed in by it (hasura-auth's way)", async () => {
    const page = await openApp();
    const email = freshEmail('browser-verify');
    const up = await page.evaluate(
      (address) => window.auth.signUp({ email: address, password: 'a browser passphrase 8' }),
      email,
    );
    expect(up.session?.user).toMatchObject({ email, emailVerified: false });
    await page.evaluate(() => window.auth.signOut());
    const sent = await page.evaluate((address) => window.auth.sendVerificationEmail({ email: address }), email);
    expect(sent.error).toBeNull();
    const link = (await smtp().waitFor(email)).links.find((l) => l.includes('/verify?'))!;
    expect(new URL(link).searchParams.get('type')).toBe('emailVerify');
    const urls = recordRequests(page);
    await page.goto(link);
    const state = await signedInFromUrl(page, urls);
    expect(state.user).toMatchObject({ email, emailVerified: true });
    expect(await shown(page)).toBe(`Signed in as ${email} (address verified) at /welcome`);
  });
});
