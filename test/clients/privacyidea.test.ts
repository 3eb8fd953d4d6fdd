import { describe, expect, it } from 'vitest';
import { DATABASES } from '../helpers/app.js';
import { createRealm, createUser, freshEmail, useServer, type LiveServer } from './harness/server.js';

// The login calls of privacyIDEA's web UI and of privacyideaadm, and the /auth cases of privacyIDEA's
// tests/test_api_auth.py, replayed byte for byte over HTTP (see WIRE.md §4). Neither client is a JavaScript
// package: the web UI is AngularJS inside privacyIDEA, privacyideaadm is Python (requests).
const PASSWORD = 'privacy client passphrase 3';

/** The web UI's `$scope.authenticate`: JSON, with Angular dropping undefined keys (no transaction_id on a first login). */
const webUiLogin = (live: LiveServer, username: string, password: string, realm = '') =>
  fetch(`${live.url}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=utf-8', accept: 'application/json, text/plain, */*' },
    body: JSON.stringify({ username, password, realm }),
  });

/** privacyideaadm's `set_credentials`: requests.post(base + "/auth", data={username, password}). */
const adminToolLogin = (live: LiveServer, fields: Record<string, string>) =>
  fetch(`${live.url}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

type PiAnswer = {
  jsonrpc: string;
  result: {
    status: boolean;
    value?: Record<string, unknown> & { token: string };
    error?: { code: number; message: string };
  };
  version: string;
  versionnumber: string;
};

describe.each(DATABASES)('privacyIDEA clients on %s', (db) => {
  const server = useServer(db);

  it('web UI: logs in by email with JSON, then fetches /auth/rights with PI-Authorization', async () => {
    const live = server();
    const email = freshEmail('pi-web');
    await createUser(live, { email, password: PASSWORD });
    const res = await webUiLogin(live, email, PASSWORD);
    expect(res.status).toBe(200);
    const data = (await res.json()) as PiAnswer;
    // What loginControllers.js reads to sign the user in: AuthFactory.setUser(username, realm, token, role, rights, menus).
    expect(data.result.value).toMatchObject({
      token: expect.any(String),
      role: 'user',
      username: expect.any(String),
      realm: expect.any(String),
      rights: expect.any(Array),
      menus: expect.any(Array),
    });
    expect(data.versionnumber).toEqual(expect.any(String));
    const rights = await fetch(`${live.url}/auth/rights`, {
      headers: { 'PI-Authorization': data.result.value!.token },
    });
    expect(rights.status).toBe(200);
    expect(((await rights.json()) as PiAnswer).result.status).toBe(true);
  });

  it('privacyideaadm: logs in with a form post and uses the raw token in Authorization', async () => {
    const live = server();
    const email = freshEmail('pi-adm');
    await createUser(live, { email, password: PASSWORD, roles: ['user', 'admin'] });
    const res = await adminToolLogin(live, { username: email, password: PASSWORD });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as PiAnswer;
    expect(result.status).toBe(true);
    expect(result.value!.role).toBe('admin');
    const rights = await fetch(`${live.url}/auth/rights`, { headers: { Authorization: result.value!.token } });
    expect(rights.status).toBe(200);
  });

  it('refuses a wrong or missing password with 4031, as the web UI shows it', async () => {
    const live = server();
    const email = freshEmail('pi-wrong');
    await createUser(live, { email, password: PASSWORD });
    for (const fields of [{ username: email, password: 'false' }, { username: email }] as Record<string, string>[]) {
      const res = await adminToolLogin(live, fields);
      expect(res.status).toBe(401);
      expect(((await res.json()) as PiAnswer).result).toEqual({
        status: false,
        error: { code: 4031, message: 'Authentication failure. Wrong credentials' },
      });
    }
  });

  // The web UI's settings with privacyIDEA's defaults, except default_tokentype "totp" (not "hotp"): TOTP is the only
  // token type Gatehouse enrolls, and the UI preselects this type.
  it('answers with the web UI settings and /auth/rights with the enrollable token types', async () => {
    const live = server();
    const email = freshEmail('pi-ui');
    await createUser(live, { email, password: PASSWORD });
    const { result } = (await (await webUiLogin(live, email, PASSWORD)).json()) as PiAnswer;
    expect(result.value).toMatchObject({
      log_level: 30,
      logout_time: 120,
      timeout_action: 'lockscreen',
      audit_page_size: 10,
      token_page_size: 15,
      user_page_size: 15,
      default_tokentype: 'totp',
      default_container_type: 'generic',
      policy_template_url: '/static/policy-templates/',
      user_details: false,
      token_wizard: false,
      token_wizard_2nd: false,
      admin_dashboard: false,
      dialog_no_token: false,
      search_on_enter: false,
      hide_welcome: false,
      hide_buttons: false,
      deletion_confirmation: false,
      show_seed: false,
      show_node: '',
      qr_image_android: null,
      qr_image_ios: null,
      qr_image_custom: null,
      logout_redirect_url: '',
      require_description: [],
      container_wizard: { enabled: false },
      auth: true,
    });
    const rights = (await (
      await fetch(`${live.url}/auth/rights`, { headers: { 'PI-Authorization': result.value!.token } })
    ).json()) as PiAnswer;
    expect(rights.result.value).toEqual({ totp: 'TOTP: Time based One Time Passwords.' });
  });

  // test_api_auth.py test_01_auth_with_split and test_03_admin_auth, ported: privacyIDEA's default realm "realm1" is
  // Gatehouse's default realm "default"; passwords are longer than "test" because Gatehouse's policy refuses it.
  it('ports the /auth cases of privacyIDEA’s test_api_auth.py', async () => {
    const live = server();
    await createRealm(live, 'realm3');
    await createUser(live, { email: freshEmail('cornelius'), password: PASSWORD, username: 'cornelius' });
    await createUser(live, { email: freshEmail('selfservice'), password: PASSWORD, username: 'selfservice' });
    await createUser(live, {
      email: freshEmail('super'),
      password: PASSWORD,
      username: 'superadmin',
      roles: ['user', 'admin'],
    });
    const WRONG = 'Authentication failure. Wrong credentials';
    const unknown = (realm: string) => `Authentication failure. Unknown realm: ${realm}.`;
    const cases: [Record<string, string>, number, string | undefined, string?][] = [
      [{ username: 'cornelius', password: PASSWORD }, 200, 'default'],
      [{ username: 'cornelius', password: 'false' }, 401, undefined, WRONG],
      [{ username: 'cornelius' }, 401, undefined, WRONG],
      [{ username: 'cornelius@default', password: PASSWORD }, 200, 'default'],
      [{ username: 'cornelius@default', realm: 'unknown', password: PASSWORD }, 401, undefined, unknown('unknown')],
      [{ username: 'cornelius', realm: 'default', password: PASSWORD }, 200, 'default'],
      [{ username: 'cornelius', realm: 'unknown', password: PASSWORD }, 401, undefined, unknown('unknown')],
      [{ username: 'cornelius', realm: '', password: PASSWORD }, 200, 'default'],
      [{ username: 'cornelius@unknown', realm: 'default', password: PASSWORD }, 401, undefined],
      [
        { username: 'cornelius@unknown', realm: 'anotherunknown', password: PASSWORD },
        401,
        undefined,
        unknown('anotherunknown'),
      ],
      [{ username: 'selfservice@realm3', realm: 'default', password: PASSWORD }, 200, 'default'],
      [
        { username: 'selfservice@default', realm: 'realm3', password: PASSWORD },
        401,
        undefined,
        'Authentication failure. Wrong credentials',
      ],
      // "@unknown" is no realm: the whole name is the login, which does not exist (not "Unknown realm").
      [
        { username: 'cornelius@nosuchrealm', password: PASSWORD },
        401,
        undefined,
        'Authentication failure. Wrong credentials',
      ],
    ];
    for (const [fields, status, realm, message] of cases) {
      const res = await adminToolLogin(live, fields);
      const { result } = (await res.json()) as PiAnswer;
      expect([fields, res.status]).toEqual([fields, status]);
      if (realm) expect(result.value).toMatchObject({ token: expect.any(String), realm });
      if (message) expect(result.error).toEqual({ code: 4031, message });
    }
    const admin = (await (
      await adminToolLogin(live, { username: 'superadmin', password: PASSWORD })
    ).json()) as PiAnswer;
    expect(admin.result.value).toMatchObject({ role: 'admin' });
  });
});
