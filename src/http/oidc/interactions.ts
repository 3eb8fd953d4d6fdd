import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionDetails } from '../../core/oidc/types.js';
import { OIDC_PREFIX } from '../../core/oidc/provider.js';
import type { Services } from '../../services.js';
import { clientInfo } from '../client.js';
import { asIssuerSees } from './mount.js';
import { passkeyStepRoutes } from './passkey-step.js';
import { secondStepWithForm, sendPage, signInWithForm, type Signed } from './sign-in.js';
import { ssoCookie } from './sso-cookie.js';
import { createSteps, interactionPath as base, seeOther as redirect, type Uid } from './step.js';
import { loginChoices } from './upstream.js';
import { consentPage, loginPage, messagePage } from './views.js';
import { hiddenRoute } from '../schemas.js';

const passkeyUrls = (uid: string) => ({
  options: `${base(uid)}/mfa/passkey/options`,
  verify: `${base(uid)}/mfa/passkey/verify`,
});

/**
 * The provider's interactions: the sign-in page (the one login pipeline), its second step (a code, or a passkey
 * through `passkey-step.ts`) and the consent page. They are bound to the interaction's own cookie (set by
 * oidc-provider, SameSite=Lax, for this path only), so a page posted from another site has no interaction to act
 * on; the posts also check their origin (`step.ts`).
 */
export async function interactionRoutes(app: FastifyInstance, s: Services) {
  const ix = s.oidc.interactions;
  const { view, step, guard } = createSteps(s);
  await app.register(formbody);
  const issuer = new URL(s.config.server.url);
  app.addHook('onRequest', async (request) => asIssuerSees(request, issuer));
  const path = (rest: string) => `${OIDC_PREFIX}/interaction/:uid${rest}`;

  app.get<Uid>(
    path(''),
    // 404: a uid longer than the router takes.
    hiddenRoute(200, 303, 400, 404),
    view(async (request, reply, details) => {
      const client = await ix.client(String(details.params.client_id ?? ''));
      const purpose = client?.name;
      if (details.prompt.name === 'login') {
        const user = await ix.checkSso(ssoCookie(request));
        // prompt=login, max_age, id_token_hint…: only a password proves it again.
        const forced = details.prompt.reasons.some((r) => r !== 'no_session');
        if (user && !forced)
          return redirect(reply, await ix.finishLogin(request.raw, reply.raw, user, ['sso'], ssoCookie(request)));
        const choices = await loginChoices(s, base(details.uid));
        return sendPage(reply, 200, loginPage({ action: `${base(details.uid)}/login`, purpose, ...choices }));
      }
      if (details.prompt.name === 'consent') {
        if (client?.trusted)
          return redirect(
            reply,
            await ix.consent(request.raw, reply.raw, details, clientInfo(request), ssoCookie(request)),
          );
        const scopes = [...new Set((details.prompt.details.missingOIDCScope as string[] | undefined) ?? [])];
        return sendPage(
          reply,
          200,
          consentPage({
            action: `${base(details.uid)}/confirm`,
            abort: `${base(details.uid)}/abort`,
            client: purpose ?? String(details.params.client_id),
            scopes,
          }),
        );
      }
      return sendPage(reply, 400, messagePage('Sign-in failed', 'This sign-in cannot go on.'));
    }),
  );

  app.post<Uid>(
    path('/login'),
    hiddenRoute(303, 401, 403, 404, 429),
    step('login', async (request, reply, details) => {
      const client = await ix.client(String(details.params.client_id ?? ''));
      const done = await signInWithForm(request, reply, s, {
        action: `${base(details.uid)}/login`,
        mfaAction: `${base(details.uid)}/mfa`,
        purpose: client?.name,
        passkey: passkeyUrls(details.uid),
      });
      return done ? redirect(reply, await signedIn(request, reply, details, done)) : reply;
    }),
  );

  // The second step of an MFA account (the ticket of the password step and a code), then as after a password.
  app.post<Uid>(
    path('/mfa'),
    hiddenRoute(303, 400, 401, 403, 404),
    step('login', async (request, reply, details) => {
      const client = await ix.client(String(details.params.client_id ?? ''));
      const done = await secondStepWithForm(request, reply, s, {
        action: `${base(details.uid)}/mfa`,
        purpose: client?.name,
        passkey: passkeyUrls(details.uid),
      });
      return done ? redirect(reply, await signedIn(request, reply, details, done)) : reply;
    }),
  );

  passkeyStepRoutes(app, s, path('/mfa/passkey'), guard('login', signedIn));

  app.post<Uid>(
    path('/confirm'),
    hiddenRoute(303, 400, 403, 404),
    step('consent', async (request, reply, details) =>
      redirect(reply, await ix.consent(request.raw, reply.raw, details, clientInfo(request), ssoCookie(request))),
    ),
  );

  app.post<Uid>(
    path('/abort'),
    hiddenRoute(303, 400, 403, 404),
    step(undefined, async (request, reply) => {
      const sso = ssoCookie(request);
      return redirect(reply, await ix.abort(request.raw, reply.raw, 'access_denied', 'The user refused', sso));
    }),
  );

  /**
   * A sign-in on the page finished (a new single sign-on session, its cookie set: `done.sso`): the interaction goes
   * on. The browser's previous sign-on, if any (prompt=login, max_age, another account), ends (`ix.finishLogin`).
   */
  async function signedIn(
    request: FastifyRequest,
    reply: FastifyReply,
    details: InteractionDetails,
    done: Signed,
  ): Promise<string> {
    const replacing = { details, signOn: done.sso };
    return ix.finishLogin(request.raw, reply.raw, done.user, done.amr, ssoCookie(request), replacing);
  }
}
