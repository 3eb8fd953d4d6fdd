import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { clientInfo } from '../client.js';
import { cookieWriteAllowed } from '../plugins/cookie-origin.js';
import { Ticket } from '../native/auth/schemas.js';
import { AuthenticationCredential, RequestOptions } from '../native/auth/webauthn/schemas.js';
import { hiddenRoute, responses } from '../schemas.js';
import { setSsoCookie } from './sso-cookie.js';
import type { StepGuard } from './step.js';
import { SCRIPTS } from './views.js';

/** @simplewebauthn/browser's own bundle (a dependency of the server too), served as it is published. */
function webauthnBundle(): string {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(path.join(path.dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

/**
 * The second step's script: asks for the options bound to the page's ticket, lets the browser's authenticator
 * answer (startAuthentication), sends the assertion, and follows the sign-in on. A wrong passkey may be tried again
 * on the same ticket (until its tries run out).
 */
export const SECOND_STEP_SCRIPT = `'use strict';
(function () {
  var box = document.getElementById('passkey-step');
  if (!box) return;
  var button = document.getElementById('use-passkey');
  var problem = document.getElementById('passkey-error');
  var ticket = box.getAttribute('data-ticket');
  var say = function (text) { problem.textContent = text; problem.hidden = !text; };
  var post = function (url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) throw new Error(data.message || 'The passkey could not be used');
          return data;
        });
      });
  };
  if (!window.PublicKeyCredential || !window.SimpleWebAuthnBrowser) {
    button.disabled = true;
    return say('This browser cannot use passkeys.');
  }
  button.addEventListener('click', function () {
    say('');
    button.disabled = true;
    post(box.getAttribute('data-options'), { ticket: ticket })
      .then(function (options) { return SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options }); })
      .then(function (credential) {
        return post(box.getAttribute('data-verify'), { ticket: ticket, credential: credential });
      })
      .then(function (done) { window.location.assign(done.location); })
      .catch(function (e) { say(e.message); button.disabled = false; });
  });
  // The button works from here on (the page serves it disabled: a click before this line did nothing).
  button.disabled = false;
})();
`;

const Done = Type.Object({ location: Type.String({ description: 'Where the sign-in goes on' }) });

/** The sign-in pages' scripts: @simplewebauthn/browser's bundle and the second step's (no inline script). */
export function passkeyScriptRoutes(app: FastifyInstance) {
  const bundle = webauthnBundle();
  const scriptHeaders = { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300' };
  const send = (body: string) => async (_request: unknown, reply: FastifyReply) =>
    reply.headers(scriptHeaders).type('text/javascript; charset=utf-8').send(body);
  app.get(SCRIPTS.webauthn, hiddenRoute(200), send(bundle));
  app.get(SCRIPTS.secondStep, hiddenRoute(200), send(SECOND_STEP_SCRIPT));
}

/**
 * The passkey as the second step of a sign-in page (the provider's, forward-auth's) at `route`: its options and
 * its assertion for the ticket of the password step, which the page keeps, over the same second step as a code
 * (`auth.proveSecondStep`: tries per ticket, MFA throttle, audit), then the single sign-on session. A post from
 * another origin is refused (403); `guard` refuses one of a sign-in that is over, and says where a finished one goes.
 */
export function passkeyStepRoutes(app: FastifyInstance, s: Services, route: string, guard: StepGuard) {
  const ix = s.oidc.interactions;
  const origin = [new URL(s.config.server.url).origin];
  // A post from another origin (CSRF) is refused before its body is read.
  const preValidation = async (request: FastifyRequest) => {
    if (!cookieWriteAllowed(request, origin)) throw errors.forbidden('This request was sent from another site');
  };
  app.post<{ Body: { ticket: string } }>(
    `${route}/options`,
    {
      preValidation,
      schema: {
        hide: true,
        body: Type.Object({ ticket: Ticket }),
        response: responses({ 200: RequestOptions }, 400, 401, 403, 404, 429),
      },
    },
    async (request, reply) => {
      await guard(request, reply);
      return ix.passkeyOptions(request.body.ticket);
    },
  );

  app.post<{ Body: { ticket: string; credential: unknown } }>(
    `${route}/verify`,
    {
      preValidation,
      schema: {
        hide: true,
        body: Type.Object({ ticket: Ticket, credential: AuthenticationCredential }),
        response: responses({ 200: Done }, 400, 401, 403, 404, 429),
      },
    },
    async (request, reply) => {
      const finish = await guard(request, reply);
      const { ticket, credential } = request.body as { ticket: string; credential: never };
      const client = clientInfo(request);
      const outcome = await ix.secondStep(ticket, { method: 'webauthn', credential }, client);
      const session = await ix.openSso(outcome.user, client);
      const sso = setSsoCookie(reply, s.config, { userId: outcome.user.id, ...session });
      return { location: await finish({ ...outcome, sso }) };
    },
  );
}
