import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROVIDERS } from '../../../config/federation.js';
import type { Config } from '../../../config/load.js';
import type { Services } from '../../../services.js';
import { requireUser, resolvePrincipal } from '../../plugins/auth-guard.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { redirectAfterLink } from './link-redirect.js';
import { clientInfo } from './session-reply.js';

/** The sealed flow of a provider sign-in, kept by the browser for the callback (which HBP's routes serve). */
export const FLOW_COOKIE = 'gatehouse_oauth';
export const FLOW_PATH = '/auth/providers';
// The flow cookie must come back on the provider's top-level redirect; Apple's form post is cross-site, which only
// SameSite=None survives.
export const flowCookieOf = (cookies: Config['cookies']) => ({
  path: FLOW_PATH,
  httpOnly: true,
  secure: cookies.secure,
  sameSite: cookies.secure ? ('none' as const) : ('lax' as const),
});
const Provider = Type.Object({
  provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$', description: PROVIDERS.join(', ') }),
});
const Redirect = Type.Null({ description: 'Redirect (302)' });
const Linked = Type.Object({
  provider: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  linked_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
// What a provider sends back: the code and state, or an error (access_denied…).
const CallbackParams = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 1024 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);
const tags = ['providers'];

/** HBP sign-in with OAuth 2.0 / OpenID Connect providers, and the signed-in user's linked providers. */
export async function registerProviderRoutes(app: App, s: Services) {
  const { cookies } = s.config;
  const flowCookie = flowCookieOf(cookies);

  app.get(
    '/providers/:provider',
    {
      schema: {
        tags,
        summary: 'Start a sign-in with a provider: redirect there with state, PKCE and (OpenID Connect) nonce',
        params: Provider,
        querystring: Type.Object({
          redirect_url: Type.Optional(Type.String({ maxLength: 2048 })),
          cookie: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
          connect: Type.Optional(
            Type.String({
              maxLength: 8192,
              description: 'An access token of the signed-in user: the callback links the provider account to them',
            }),
          ),
        }),
        response: { 302: Redirect, ...responses({}, 400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      // A browser navigation carries no Authorization header, so the token comes in the query (as hasura-auth's).
      const { connect } = request.query;
      const principal = connect === undefined ? undefined : await resolvePrincipal(s, connect);
      const linkTo = principal && { userId: principal.userId, sessionId: principal.sessionId };
      // Linking adds a lasting way into the account: it needs a fresh proof, as MFA enrolment does.
      if (linkTo) await s.reauth.requireFresh(linkTo);
      const opts = { redirectUrl: request.query.redirect_url, cookieMode: request.query.cookie === 'true', linkTo };
      const started = await s.providers.start(request.params.provider, opts);
      reply.setCookie(FLOW_COOKIE, started.flow, { ...flowCookie, maxAge: started.maxAgeSeconds });
      return reply.redirect(started.url, 302);
    },
  );

  async function callback(
    request: FastifyRequest,
    reply: FastifyReply,
    provider: string,
    params: Record<string, string>,
  ) {
    const flow = s.providers.openFlow(provider, request.cookies[FLOW_COOKIE]);
    reply.clearCookie(FLOW_COOKIE, flowCookie);
    const url = new URL(`${s.config.server.url}${FLOW_PATH}/${provider}/callback`);
    for (const [k, v] of Object.entries(params)) if (typeof v === 'string') url.searchParams.set(k, v);
    return redirectAfterLink(
      reply,
      s.config,
      flow?.cookieMode ?? false,
      () => s.providers.finish(provider, flow, url, clientInfo(request)),
      flow?.redirectUrl,
      flow?.tokenParam,
      flow?.tokenIn,
    );
  }

  const callbackSchema = {
    tags,
    summary:
      'Where the provider sends the browser back: then a redirect to REDIRECT_URL_SUCCESS with refresh_token, as the ' +
      'magic link does',
    params: Provider,
    response: { 302: Redirect, ...responses({}, 400, 503) },
  };
  app.get(
    '/providers/:provider/callback',
    { schema: { ...callbackSchema, querystring: CallbackParams } },
    (request, reply) => callback(request, reply, request.params.provider, request.query as Record<string, string>),
  );
  // Apple answers with response_mode=form_post.
  await app.register(async (form: App) => {
    await form.register(formbody);
    form.post(
      '/providers/:provider/callback',
      { schema: { ...callbackSchema, body: CallbackParams } },
      (request, reply) => callback(request, reply, request.params.provider, request.body as Record<string, string>),
    );
  });

  await app.register(async (authenticated: App) => {
    authenticated.addHook('onRequest', requireUser(s));
    authenticated.get(
      '/providers',
      {
        schema: {
          tags,
          summary: 'The outside accounts linked to me (providers and directories)',
          security: [{ bearer: [] }],
          response: responses({ 200: Type.Array(Linked) }, 401),
        },
      },
      async (request) =>
        (await s.providers.linked(request.principal!.userId)).map((l) => ({
          provider: l.provider,
          email: l.email,
          linked_at: l.linkedAt.toISOString(),
          last_used_at: l.lastUsedAt?.toISOString() ?? null,
        })),
    );
    authenticated.delete(
      '/providers/:provider',
      {
        schema: {
          tags,
          summary: 'Unlink a provider, unless it is my last way to sign in',
          security: [{ bearer: [] }],
          params: Provider,
          response: responses({ 204: NoContent }, 400, 401, 404, 409),
        },
      },
      async (request, reply) => {
        await s.providers.unlink(request.principal!.userId, request.params.provider);
        return reply.code(204).send();
      },
    );
  });
}
