import type { OidcViews } from '../../core/oidc/provider.js';

export const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Pages of the sign-in and the provider: no script (but the passkey's second step: `SCRIPT_PAGE_CSP`), the home
 * page's style sheet, nothing framed. Their referrer policy is `same-origin`, not `no-referrer`: under
 * `no-referrer` Chromium sends `Origin: null` with the form's post, which the origin check (CSRF) must refuse.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The second step's page with a passkey: this server's own script files, no inline script, fetch to itself. */
export const SCRIPT_PAGE_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)} · Gatehouse</title>
<link rel="stylesheet" href="/_gatehouse/home.css">
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

export interface LoginView {
  action: string;
  /** What the sign-in is for (an application's name), shown above the form. */
  purpose?: string;
  identifier?: string;
  error?: string;
  /** Upstream providers (AUTH_PROVIDER_*), each a link that starts its sign-in. */
  providers?: { label: string; href: string }[];
  /** Realms besides `default` (LDAP directories behind realms): a choice, when there are any. */
  realms?: string[];
  realm?: string;
}

/**
 * The sign-in form. One form per way of signing in: a passkey button or a provider list can be added beside
 * the password form without touching it (each posts to its own action).
 */
export function loginPage(v: LoginView): string {
  return layout(
    'Sign in',
    `${v.purpose ? `<p>to continue to <strong>${escapeHtml(v.purpose)}</strong></p>` : ''}
${v.error ? `<p id="error" class="problem" role="alert">${escapeHtml(v.error)}</p>` : ''}
<form id="password-login" method="post" action="${escapeHtml(v.action)}">
<label for="identifier">Email or username</label>
<input id="identifier" name="identifier" autocomplete="username" required
 value="${escapeHtml(v.identifier ?? '')}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
${realmChoice(v)}<button type="submit">Sign in</button>
</form>
<div id="other-ways">${(v.providers ?? [])
      .map((p) => `<p><a class="provider" href="${escapeHtml(p.href)}">Sign in with ${escapeHtml(p.label)}</a></p>`)
      .join('')}</div>`,
  );
}

export interface SecondFactorView {
  action: string;
  purpose?: string;
  /** The first step's MFA ticket. */
  ticket: string;
  /** The account's second factors: `totp`, `webauthn`. */
  methods: string[];
  error?: string;
  /** Where the page's script asks for a passkey's options and sends its assertion (the provider's, forward-auth's). */
  passkey: { options: string; verify: string };
}

/**
 * The second step of an MFA sign-in: the code from the authenticator app (or a recovery code), and the passkey
 * when the account has one (the page's script, `/_gatehouse/second-step.js`, asks for it).
 */
export function secondFactorPage(v: SecondFactorView): string {
  const totp = v.methods.includes('totp')
    ? `<form id="second-factor" method="post" action="${escapeHtml(v.action)}">
<input type="hidden" name="ticket" value="${escapeHtml(v.ticket)}">
<label for="code">Code from your authenticator app (or a recovery code)</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">Continue</button>
</form>`
    : '';
  const passkey = v.methods.includes('webauthn')
    ? `<div id="passkey-step" data-ticket="${escapeHtml(v.ticket)}" data-options="${escapeHtml(v.passkey.options)}"
 data-verify="${escapeHtml(v.passkey.verify)}">
<p>${totp ? 'Or use' : 'Use'} your passkey.</p>
<button type="button" id="use-passkey" disabled>Use my passkey</button>
<p id="passkey-error" class="problem" role="alert" hidden></p>
</div>
<script src="${SCRIPTS.webauthn}"></script>
<script src="${SCRIPTS.secondStep}"></script>`
    : '';
  return layout(
    'Second step',
    `${v.purpose ? `<p>to continue to <strong>${escapeHtml(v.purpose)}</strong></p>` : ''}
${v.error ? `<p id="error" class="problem" role="alert">${escapeHtml(v.error)}</p>` : ''}${totp}${passkey}`,
  );
}

/** The pages' scripts (served by `passkey-step.ts`): @simplewebauthn/browser's bundle and the second step's. */
export const SCRIPTS = {
  webauthn: '/_gatehouse/simplewebauthn-browser.js',
  secondStep: '/_gatehouse/second-step.js',
};

function realmChoice(v: LoginView): string {
  if (!v.realms?.length) return '';
  const option = (value: string, label: string) =>
    `<option value="${escapeHtml(value)}"${value === (v.realm ?? '') ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  return `<label for="realm">Directory</label>
<select id="realm" name="realm">${option('', 'Any')}${v.realms.map((r) => option(r, r)).join('')}</select>
`;
}

export interface ConsentView {
  action: string;
  abort: string;
  client: string;
  scopes: string[];
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  email: 'See your email address',
  profile: 'See your name, username, picture and language',
  roles: 'See your roles',
  hasura: 'Act in its Hasura API as you, with your roles',
  offline_access: 'Stay signed in when you are away',
};

export function consentPage(v: ConsentView): string {
  const items = v.scopes.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`).join('');
  return layout(
    'Allow access',
    `<p><strong>${escapeHtml(v.client)}</strong> asks to:</p>
<ul>${items}</ul>
<form method="post" action="${escapeHtml(v.action)}"><button id="allow" type="submit">Allow</button></form>
<form method="post" action="${escapeHtml(v.abort)}"><button id="deny" type="submit">Deny</button></form>`,
  );
}

export const messagePage = (title: string, text: string) => layout(title, `<p>${escapeHtml(text)}</p>`);

/** Forward-auth's sign-in done with nowhere to go back to: said so, with a way to sign out (another account). */
export const signedInPage = (signOut: string) =>
  layout(
    'Signed in',
    `<p>You are signed in.</p>
<form id="sign-out" method="post" action="${escapeHtml(signOut)}"><button type="submit">Sign out</button></form>`,
  );

/** oidc-provider's own pages, in Gatehouse's look. */
export const providerViews: OidcViews = {
  error: (out) =>
    layout(
      'Sign-in failed',
      `<p class="problem">${escapeHtml(out.error ?? 'error')}: ${escapeHtml(out.error_description ?? '')}</p>`,
    ),
  logout: (form, host) =>
    layout(
      'Sign out',
      `<p>Sign out of ${escapeHtml(host)}?</p>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
    ),
  loggedOut: (client) => messagePage('Signed out', `You are signed out${client ? ` of ${client}` : ''}.`),
  deviceInput: (form, error) =>
    layout(
      'Connect a device',
      `${error ? '<p class="problem">This code is not valid. Check it and try again.</p>' : ''}
<p>Enter the code shown on your device.</p>${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
    ),
  deviceConfirm: (form, client, userCode) =>
    layout(
      'Connect a device',
      `<p>Connect <strong>${escapeHtml(client)}</strong>?
 Check that your device shows <code>${escapeHtml(userCode)}</code>.</p>
${form}<button autofocus type="submit" form="op.deviceConfirmForm">Connect</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Cancel</button>`,
    ),
  deviceDone: (client) =>
    messagePage('Device connected', `${client || 'The device'} is signed in. You can close this page.`),
};
