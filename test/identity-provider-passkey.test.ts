import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/app.js';
import { CHROMIUM } from './helpers/browser.js';
import { createClient, newUser, oidc, relyingParty, useIdp } from './helpers/idp.js';
import { addPasskey, type SoftAuthenticator } from './helpers/soft-authenticator.js';
import {
  passkeyCopies,
  postVerify,
  recordVerify,
  virtualAuthenticator,
  withForeignKey,
} from './helpers/virtual-authenticator.js';

/** The relying party's callback: the browser is sent there (the test reads the code from that request). */
const CALLBACK = 'http://rp.test/callback';

/**
 * The passkey as the second factor on the provider's sign-in page, in Chromium with its virtual authenticator
 * holding the user's passkey: the page's script (no inline script) asks for it after the password.
 */
describe.each(DATABASES)(
  'a passkey as the second factor at the identity provider in Chromium on %s',
  { timeout: 60_000 },
  (db) => {
    const idp = useIdp(db, () => ({ RATE_LIMIT_AUTH_PER_IP: '10000' }), 'localhost');
    let browser: Browser;
    let user: Awaited<ReturnType<typeof newUser>>;
    let device: SoftAuthenticator;
    let config: oidc.Configuration;

    beforeAll(async () => {
      const t = idp.app();
      user = await newUser(t);
      device = await addPasskey(t, user.jwt);
      config = await relyingParty(idp.server(), await createClient(t, { trusted: true, redirect_uris: [CALLBACK] }));
      browser = await chromium.launch(CHROMIUM);
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
    });

    /** A new browser (no sign-on yet) whose authenticator holds `credential`, at the page after the password. */
    async function atSecondStep(credential: object) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await virtualAuthenticator(page, [credential]);
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'the-state',
      });
      await page.goto(url.href);
      await page.fill('#identifier', user.email);
      await page.fill('#password', user.password);
      await Promise.all([page.waitForSelector('#use-passkey'), page.click('#password-login button[type=submit]')]);
      return { page, verifier };
    }

    const theirs = passkeyCopies(() => device);

    it('signs in with the password, then the passkey, and the relying party gets its tokens', async () => {
      const { page, verifier } = await atSecondStep(theirs());
      expect(await page.textContent('body')).not.toContain('cannot');
      const [callback] = await Promise.all([page.waitForRequest(`${CALLBACK}**`), page.click('#use-passkey')]);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.url()), {
        pkceCodeVerifier: verifier,
        expectedState: 'the-state',
      });
      expect(tokens.claims()!.sub).toBe(user.id);
    });

    it('refuses an assertion signed by another key under the same credential id, and stays on the page', async () => {
      const { page } = await atSecondStep(withForeignKey(theirs()));
      await page.click('#use-passkey');
      await page.waitForSelector('#passkey-error:not([hidden])');
      expect(await page.textContent('#passkey-error')).toMatch(/could not be verified/);
      expect(page.url()).toContain('/oidc/interaction/');
    });

    it('refuses a replayed ticket and assertion at another sign-in (the ticket was spent)', async () => {
      const first = await atSecondStep(theirs());
      const sent = recordVerify(first.page);
      await Promise.all([first.page.waitForRequest(`${CALLBACK}**`), first.page.click('#use-passkey')]);
      expect(sent).toHaveLength(1);
      // Another browser, at its own second step, posts what the first sent (its own interaction and origin).
      const other = await atSecondStep(theirs());
      const replay = await postVerify(other.page, sent[0]!);
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('invalid-ticket');
      expect(other.page.url()).toContain('/oidc/interaction/');
    });

    it('refuses the passkey step posted from another origin (CSRF)', async () => {
      const { page } = await atSecondStep(theirs());
      const options = await page.getAttribute('#passkey-step', 'data-options');
      const res = await fetch(new URL(options!, idp.server()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://evil.test' },
        body: JSON.stringify({ ticket: await page.getAttribute('#passkey-step', 'data-ticket') }),
      });
      expect(res.status).toBe(403);
    });
  },
);
