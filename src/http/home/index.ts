import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/load.js';
import { HOME_SCRIPT, HOME_STYLE } from './assets.js';
import { PASSKEY_HTML, PASSKEY_SCRIPT } from './passkeys.js';
import { hiddenRoute } from '../schemas.js';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors " +
  "'none'; base-uri 'none'";

const CONSOLE_LINE = ' Operators manage it in the <a href="/console/">admin console</a>; the';

const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: every outcome is in the HTML, hidden; the script shows the one the link carries. */
const page = (api: string, passkeys: boolean, consoleOn: boolean) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Gatehouse</title>
<link rel="stylesheet" href="/_gatehouse/home.css">
<script src="/_gatehouse/home.js" defer></script>
<script src="/_gatehouse/passkeys.js" defer></script>
</head>
<body data-api="${escapeHtml(api)}" data-passkeys="${passkeys}">
<h1>Gatehouse</h1>
<p id="welcome" hidden>This is a Gatehouse authentication server.${consoleOn ? CONSOLE_LINE : ' The'} API is \
documented at <a href="/docs">/docs</a>.</p>
<p id="signed-in" hidden>Done: your account is active and you are signed in.
You can close this page and return to the application.</p>
<p id="mfa" hidden>This account uses two-factor authentication:
finish signing in in the application with a code from your authenticator.</p>
<p id="error" hidden></p>
<p id="result" hidden></p>
<form id="reset-form"><div id="reset" hidden>
<p>Choose a new password.</p>
<label for="new-password">New password</label>
<input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="1">
<button type="submit">Set the password</button>
<p id="reset-result" class="problem" hidden></p>
</div></form>
<form id="email-form"><div id="email" hidden>
<p>Confirm the change of your email address.</p>
<button type="submit">Confirm</button>
<p id="email-result" class="problem" hidden></p>
</div></form>
<form id="undo-form"><div id="undo" hidden>
<p>Your email address was changed. If you did not do this, change it back: everyone is signed out.</p>
<button type="submit">Change it back</button>
<p id="undo-result" class="problem" hidden></p>
</div></form>
${passkeys ? PASSKEY_HTML : ''}<noscript><p>This page needs JavaScript to finish what the link started.</p></noscript>
<footer>${consoleOn ? '<a href="/console/">Admin console</a> · ' : ''}<a href="/docs">API documentation</a></footer>
</body>
</html>
`;

/**
 * GET / — the default target of activation, magic-link, password-reset and email-change links
 * (REDIRECT_URL_SUCCESS/ERROR default to SERVER_URL), so a newcomer without a front end sees
 * what happened and can set a new password. Not in the OpenAPI document: it is not API.
 */
export function registerHomePage(app: FastifyInstance, config: Config): void {
  const html = page(
    `${new URL(config.server.url).pathname.replace(/\/$/, '')}/auth`,
    config.passkeys.enabled,
    config.console.enabled,
  );
  const headers = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  };
  app.get('/', hiddenRoute(200), async (_request, reply) =>
    reply.headers(headers).type('text/html; charset=utf-8').send(html),
  );
  app.get('/_gatehouse/home.js', hiddenRoute(200), async (_request, reply) =>
    reply
      .headers({ ...headers, 'cache-control': 'public, max-age=300' })
      .type('text/javascript; charset=utf-8')
      .send(HOME_SCRIPT),
  );
  app.get('/_gatehouse/passkeys.js', hiddenRoute(200), async (_request, reply) =>
    reply
      .headers({ ...headers, 'cache-control': 'public, max-age=300' })
      .type('text/javascript; charset=utf-8')
      .send(PASSKEY_SCRIPT),
  );
  app.get('/_gatehouse/home.css', hiddenRoute(200), async (_request, reply) =>
    reply
      .headers({ ...headers, 'cache-control': 'public, max-age=300' })
      .type('text/css; charset=utf-8')
      .send(HOME_STYLE),
  );
}
