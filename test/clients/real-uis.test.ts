import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { createUser, freshEmail, useServer, type LiveServer } from './harness/server.js';
import { renderJinja, serveUi, type UiOrigin } from './harness/ui-origin.js';

// Opt-in: the real web UIs, built from their sources (docs/dialects.md says how), in Chromium against Gatehouse.
// Each suite runs only when its variable points at a local build; otherwise one skipped test says what to set.
const RESTREAMER_UI_DIR = process.env.RESTREAMER_UI_DIR;
const PRIVACYIDEA_STATIC_DIR = process.env.PRIVACYIDEA_STATIC_DIR;
const PRIVACYIDEA_WEBUI_DIR = process.env.PRIVACYIDEA_WEBUI_DIR;

const PASSWORD = 'real ui passphrase 11';
const PI_VERSION = '3.13.3';
/** The paths of privacyIDEA's API the UIs call after signing in, with the token. */
const PI_API =
  /^\/(auth|token|container|realm|defaultrealm|resolver|user|policy|system|audit|machine|validate|info)(\/|$)/;

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A browser and a UI origin for one suite, closed after it. */
function useUi(open: (live: () => LiveServer) => Promise<UiOrigin>, live: () => LiveServer) {
  let browser: Browser | undefined;
  let ui: UiOrigin | undefined;
  beforeAll(async () => {
    browser = await launch();
    ui = await open(live);
  });
  afterAll(async () => {
    await ui?.close();
    await browser?.close();
  });
  return async () => {
    const page = await browser!.newContext().then((c) => c.newPage());
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    // AngularJS and Angular report a failing handler on the console rather than as an uncaught error.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /TypeError/.test(msg.text())) errors.push(msg.text());
    });
    return { page, ui: ui!, errors };
  };
}

/** The login form of a UI: its (first) text field, its password field, submitted with Enter. */
async function submitLogin(page: Page, username: string, password: string) {
  // Visible fields only: the UIs keep other forms (a lock screen, a password change) hidden in the page.
  const user = page
    .locator('input#username:visible, input[name=username]:visible, input[autocomplete=username]:visible')
    .first();
  await user.fill(username);
  const secret = page.locator('input[type=password]:visible').first();
  await secret.fill(password);
  await secret.press('Enter');
}

async function enableTotp(live: LiveServer, email: string) {
  const post = (url: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${live.url}${url}`, {
      method: 'POST',
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then((r) => r.json());
  const { jwt_token } = await post('/auth/login', {}, { email, password: PASSWORD });
  const auth = { authorization: `Bearer ${jwt_token}` };
  const { otp_secret } = await post('/auth/mfa/generate', auth);
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(otp_secret) });
  const enabled = await fetch(`${live.url}/auth/mfa/enable`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ code: totp.generate({ timestamp: live.t.clock.now().getTime() }) }),
  });
  expect(enabled.status).toBe(204);
}

describe.each(DATABASES)('restreamer-ui (RESTREAMER_UI_DIR) in Chromium on %s', (db) => {
  if (!RESTREAMER_UI_DIR) {
    it.skip('set RESTREAMER_UI_DIR to a restreamer-ui build (its build/ folder) to run this suite', () => {});
    return;
  }
  const server = useServer(db, {}, { realTime: true });
  const open = useUi(
    async (live) =>
      serveUi({
        dir: RESTREAMER_UI_DIR,
        target: live().url,
        proxies: (_method, pathname) => pathname === '/api' || pathname.startsWith('/api/'),
        index: () => readFileSync(path.join(RESTREAMER_UI_DIR, 'index.html'), 'utf8'),
      }),
    server,
  );

  it('signs in with a username, reads the full about with the token, and refreshes after a reload', async () => {
    const live = server();
    const username = `ui.user-${Date.now().toString(36)}`;
    await createUser(live, { email: freshEmail('restreamer-ui'), password: PASSWORD, username });
    const { page, ui } = await open();
    await page.goto(`${ui.url}/`);
    const about = page.waitForRequest((r) => new URL(r.url()).pathname === '/api' && !!r.headers().authorization);
    await submitLogin(page, username, PASSWORD);
    await about;
    expect(ui.proxied.some((r) => r.method === 'POST' && r.path === '/api/login')).toBe(true);
    const refresh = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/login/refresh');
    await page.reload();
    await refresh;
    if (process.env.UI_SCREENSHOTS) {
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(process.env.UI_SCREENSHOTS, `RESTREAMER_UI_DIR-${db}.png`) });
    }
  });

  it('shows "Login failed: Unauthorized" for a wrong password and the second-factor hint for an MFA account', async () => {
    const live = server();
    const email = freshEmail('restreamer-ui-mfa');
    await createUser(live, { email, password: PASSWORD });
    const { page, ui } = await open();
    await page.goto(`${ui.url}/`);
    await submitLogin(page, email, 'not the password');
    await page.getByText('Login failed: Unauthorized').first().waitFor();
    await enableTotp(live, email);
    await submitLogin(page, email, PASSWORD);
    await page
      .getByText(/Login failed: Second factor required/)
      .first()
      .waitFor();
  });
});

/** What privacyIDEA's login view hands its index template (webui/login.py), for a server without customization. */
const PI_TEMPLATE_VALUES: Record<string, string> = {
  instance: '',
  backendUrl: '',
  browser_lang: 'en',
  browserLang: 'en',
  remote_user: '',
  force_remote_user: 'False',
  theme: '/static/contrib/css/bootstrap-theme.css',
  translation_warning: 'False',
  password_reset: 'False',
  hsm_ready: 'True',
  has_job_queue: 'False',
  customization: '/static/customize',
  custom_css: '',
  customization_menu_file: 'templates/menu.html',
  customization_baseline_file: 'templates/baseline.html',
  realms: '',
  show_node: '',
  external_links: 'True',
  login_text: '',
  gdpr_link: '',
  logo: 'privacyIDEA1.png',
  page_title: 'privacyIDEA Authentication System',
  otp_pin_set_random_user: '',
  logout_redirect_url: '',
  passkey_login: 'False',
  // Empty: the version the UI shows must come from Gatehouse's /auth answer (`versionnumber`), not from this page.
  privacyideaVersionNumber: '',
};

/** The same, as the new web UI's index reads them (`window.appConfig`). */
const PI_APP_CONFIG = {
  instance: '',
  backendUrl: '',
  browserLang: 'en',
  remoteUser: '',
  forceRemoteUser: false,
  theme: 'privacyidea-theme',
  translationWarning: false,
  passwordReset: false,
  hsmReady: true,
  hasJobQueue: false,
  customization: '/static/customize',
  customCss: '',
  customizationMenuFile: 'templates/menu.html',
  customizationBaselineFile: 'templates/baseline.html',
  realms: '',
  showNode: '',
  externalLinks: true,
  loginText: '',
  gdprLink: '',
  logo: '',
  pageTitle: 'privacyIDEA Authentication System',
  otpPinSetRandomUser: '',
};

/** Whether a build of the new web UI has one folder per locale (privacyIDEA after 3.13). */
const localized = (dir: string) => existsSync(path.join(dir, 'en', 'index.html'));

const piSuites = [
  {
    name: 'classic web UI (PRIVACYIDEA_STATIC_DIR)',
    dir: PRIVACYIDEA_STATIC_DIR,
    variable: 'PRIVACYIDEA_STATIC_DIR',
    what: 'the privacyidea/static folder of a privacyIDEA checkout',
    index: (dir: string) => path.join(dir, 'templates', 'index.html'),
    appConfig: undefined,
    start: (_dir: string) => '/',
  },
  {
    name: 'new web UI (PRIVACYIDEA_WEBUI_DIR)',
    dir: PRIVACYIDEA_WEBUI_DIR,
    variable: 'PRIVACYIDEA_WEBUI_DIR',
    what: 'static_new/dist/privacyidea-webui/browser, built from a privacyIDEA checkout',
    // privacyIDEA after 3.13 builds the new UI once per locale (browser/<locale>/index.html) and serves it under
    // /app/v2/<locale>/; 3.13 builds one browser/index.html (base href /static/dist/privacyidea-webui/browser/), which
    // privacyIDEA renders at / (PI_TEMPLATE_FOLDER = the build, PI_STATIC_FOLDER = static_new/).
    index: (dir: string) => (localized(dir) ? path.join(dir, 'en', 'index.html') : path.join(dir, 'index.html')),
    appConfig: PI_APP_CONFIG,
    start: (dir: string) => (localized(dir) ? '/app/v2/en/' : '/'),
  },
];

describe.each(piSuites)('privacyIDEA $name in Chromium', (suite) => {
  describe.each(DATABASES)('on %s', (db) => {
    const dir = suite.dir;
    if (!dir) {
      it.skip(`set ${suite.variable} to ${suite.what} to run this suite`, () => {});
      return;
    }
    const server = useServer(db, { PRIVACYIDEA_VERSION: PI_VERSION }, { realTime: true });
    const open = useUi(async (live) => {
      // privacyIDEA's web UI blueprint answers GET /config with send_result, which carries the server's version (the
      // new UI of 3.13 shows that one): the version Gatehouse reports for privacyIDEA, never one written here.
      const { version, versionnumber } = await fetch(`${live().url}/register`).then((r) => r.json());
      return serveUi({
        dir,
        target: live().url,
        mounts: ['/static/'],
        // What is not a file of the build and not a page navigation is an API call, for Gatehouse.
        proxies: (method, _pathname, accept) =>
          (method !== 'GET' && method !== 'HEAD') || !accept.includes('text/html'),
        index: () => renderJinja(suite.index(dir), PI_TEMPLATE_VALUES, suite.appConfig),
        // The UI's settings, which privacyIDEA's web UI blueprint answers from the same values as its templates.
        answers: {
          '/config': {
            jsonrpc: '2.0',
            id: 1,
            version,
            versionnumber,
            result: { status: true, value: { ...PI_TEMPLATE_VALUES, ...PI_APP_CONFIG } },
          },
        },
      });
    }, server);

    // As an administrator: the new UI of 3.13 shows the version in the administrator's navigation only.
    it('signs in, uses the token on its next call, and shows the configured version', async () => {
      const live = server();
      const username = `pi.admin-${Date.now().toString(36)}`;
      await createUser(live, { email: freshEmail('pi-ui'), password: PASSWORD, username, roles: ['user', 'admin'] });
      const { page, ui, errors } = await open();
      await page.goto(`${ui.url}${suite.start(dir)}`);
      const withToken = page.waitForRequest(
        (r) => PI_API.test(new URL(r.url()).pathname) && !!r.headers()['pi-authorization'],
      );
      await submitLogin(page, username, PASSWORD);
      await withToken;
      await expect.poll(async () => page.content()).toContain(PI_VERSION);
      expect(errors).toEqual([]);
      if (process.env.UI_SCREENSHOTS)
        await page.screenshot({ path: path.join(process.env.UI_SCREENSHOTS, `${suite.variable}-${db}.png`) });
    });

    it('shows privacyIDEA’s "Wrong credentials" for a wrong password, without a script error', async () => {
      const live = server();
      const username = `pi.wrong-${Date.now().toString(36)}`;
      await createUser(live, { email: freshEmail('pi-ui-wrong'), password: PASSWORD, username });
      const { page, ui, errors } = await open();
      await page.goto(`${ui.url}${suite.start(dir)}`);
      await submitLogin(page, username, 'not the password');
      await page
        .getByText(/Wrong credentials/)
        .first()
        .waitFor();
      expect(errors).toEqual([]);
    });
  });
});
