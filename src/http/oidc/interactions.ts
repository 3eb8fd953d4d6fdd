import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OIDC_PREFIX } from '../../core/oidc/provider.js';
import type { Services } from '../../services.js';
import { clientInfo } from '../client.js';
import { refuseForeignPost, secondStepWithForm, sendPage, signInWithForm } from './sign-in.js';
import { ssoCookie } from './sso-cookie.js';
import { loginChoices } from './upstream.js';
import { consentPage, loginPage, messagePage } from './views.js';

type Uid = { Params: { uid: string } };
const hide = { schema: { hide: true } };

/** oidc-provider's errors when the interaction's cookie is missing, expired or of another interaction. */
const isProviderError = (err: unknown): err is { statusCode: number; error_description?: string } =>
  typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number';

/**
 * The provider's interactions: the sign-in page (the one login pipeline) and the consent page. They are
 * bound to the interaction's own cookie (set by oidc-provider, SameSite=Lax, for this path only), so a
 * page posted from another site has no interaction to act on; the form posts also check their origin.
 */
export async function interactionRoutes(app: FastifyInstance, s: Services) {
  const ix = s.oidc.interactions;
  await app.register(formbody);
  const base = (uid: string) => `${OIDC_PREFIX}/interaction/${encodeURIComponent(uid)}`;
  const redirect = (reply: FastifyReply, to: string) => reply.code(303).header('location', to).send();

  async function withDetails(request: FastifyRequest<Uid>, reply: FastifyReply) {
    try {
      const details = await ix.details(request.raw, reply.raw, ssoCookie(request));
      if (details.uid === request.params.uid) return details;
    } catch (err) {
      if (!isProviderError(err)) throw err;
    }
    await sendPage(
      reply,
      400,
      messagePage('Sign-in expired', 'This sign-in has expired. Go back to the application and start again.'),
    );
    return undefined;
  }

  app.get<Uid>(`${OIDC_PREFIX}/interaction/:uid`, hide, async (request, reply) => {
    const details = await withDetails(request, reply);
    if (!details) return reply;
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
      const scopes = [...new Set([...((details.prompt.details.missingOIDCScope as string[] | undefined) ?? [])])];
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
  });

  app.post<Uid>(`${OIDC_PREFIX}/interaction/:uid/login`, hide, async (request, reply) => {
    if (refuseForeignPost(request, reply, s)) return reply;
    const details = await withDetails(request, reply);
    if (!details) return reply;
    if (details.prompt.name !== 'login') return redirect(reply, base(details.uid));
    const client = await ix.client(String(details.params.client_id ?? ''));
    const done = await signInWithForm(request, reply, s, {
      action: `${base(details.uid)}/login`,
      mfaAction: `${base(details.uid)}/mfa`,
      purpose: client?.name,
    });
    if (!done) return reply;
    // The request's own cookie finds the interaction's provider session (if any); the new one is stamped on it
    // when the browser comes back to the authorization endpoint with it.
    return redirect(reply, await ix.finishLogin(request.raw, reply.raw, done.user, done.amr, ssoCookie(request)));
  });

  // The second step of an MFA account (the ticket of the password step and a code), then as after a password.
  app.post<Uid>(`${OIDC_PREFIX}/interaction/:uid/mfa`, hide, async (request, reply) => {
    if (refuseForeignPost(request, reply, s)) return reply;
    const details = await withDetails(request, reply);
    if (!details) return reply;
    if (details.prompt.name !== 'login') return redirect(reply, base(details.uid));
    const client = await ix.client(String(details.params.client_id ?? ''));
    const done = await secondStepWithForm(request, reply, s, {
      action: `${base(details.uid)}/mfa`,
      purpose: client?.name,
    });
    if (!done) return reply;
    return redirect(reply, await ix.finishLogin(request.raw, reply.raw, done.user, done.amr, ssoCookie(request)));
  });

  app.post<Uid>(`${OIDC_PREFIX}/interaction/:uid/confirm`, hide, async (request, reply) => {
    if (refuseForeignPost(request, reply, s)) return reply;
    const details = await withDetails(request, reply);
    if (!details) return reply;
    if (details.prompt.name !== 'consent') return redirect(reply, base(details.uid));
    return redirect(reply, await ix.consent(request.raw, reply.raw, details, clientInfo(request), ssoCookie(request)));
  });

  app.post<Uid>(`${OIDC_PREFIX}/interaction/:uid/abort`, hide, async (request, reply) => {
    if (refuseForeignPost(request, reply, s)) return reply;
    const details = await withDetails(request, reply);
    if (!details) return reply;
    const sso = ssoCookie(request);
    return redirect(reply, await ix.abort(request.raw, reply.raw, 'access_denied', 'The user refused', sso));
  });
}
