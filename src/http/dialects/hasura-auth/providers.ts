import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import { FLOW_COOKIE, flowCookieOf } from '../../native/auth/providers.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { allowedRedirect } from './links.js';
import { replies, sendOk } from './reply.js';
import { refuseAnonymous } from './anonymous.js';
import { requireUser } from '../../plugins/auth-guard.js';
import { Ok, SignInReply, SignUpOptions, tags } from './schemas.js';
import { DOOR } from './sessions.js';
import { MFA_TICKET_PREFIX, hasuraSession } from './present.js';
import { clientInfo } from '../../client.js';
import { authLimits } from '../../native/auth/limits.js';

/**
 * `GET /signin/provider/:provider?redirectTo=`: a sign-in with one of the providers Gatehouse has (federation.md).
 * The provider returns to the callback it is registered with (`/auth/providers/:provider/callback`), which ends
 * at `redirectTo?refreshToken=…` (or `#refreshToken=…`: HASURA_AUTH_REDIRECT_TOKEN_IN), which its clients read.
 */
export function registerProviderRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  const limits = authLimits(s);
  app.get(
    '/signin/provider/:provider',
    {
      schema: {
        tags,
        summary:
          'Start a sign-in with a provider; it ends at redirectTo with refreshToken (HASURA_AUTH_REDIRECT_TOKEN_IN)',
        params: Type.Object({ provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) }),
        querystring: Type.Object({ redirectTo: Type.Optional(Type.String({ maxLength: 2048 })) }),
        response: replies({ 302: Type.Null({ description: "To the provider's authorization page" }) }, 400, 404),
      },
    },
    async (request, reply) => {
      const redirectUrl = allowedRedirect(s.config, request.query.redirectTo);
      const opts = { redirectUrl, cookieMode: false, tokenParam: 'refreshToken', tokenIn: config.redirectTokenIn };
      const started = await s.providers.start(request.params.provider, opts);
      reply.setCookie(FLOW_COOKIE, started.flow, { ...flowCookieOf(s.config.cookies), maxAge: started.maxAgeSeconds });
      return reply.redirect(started.url, 302);
    },
  );

  // nhost-js 4 has a sign-up of its own for it: an ID token of an unknown person makes the account either way.
  for (const url of ['/signin/idtoken', '/signup/idtoken']) {
    app.post(
      url,
      {
        schema: {
          tags,
          summary: 'Sign in with an ID token the app got from the provider (its keys, our client id, the nonce)',
          body: Type.Object({
            provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
            idToken: Type.String({ minLength: 1, maxLength: 16384 }),
            nonce: Type.Optional(Type.String({ maxLength: 512 })),
            options: Type.Optional(SignUpOptions),
          }),
          response: replies({ 200: SignInReply }, 400, 401, 404, 429, 503),
        },
        preHandler: limits.credentials,
      },
      async (request) => {
        const { provider, idToken, nonce } = request.body;
        const door = { name: DOOR, ticketShape: 'uuid' as const };
        const result = await s.providers.signInWithIdToken(provider, { idToken, nonce }, clientInfo(request), door);
        if (result.kind === 'mfa') return { session: null, mfa: { ticket: `${MFA_TICKET_PREFIX}${result.mfaTicket}` } };
        return { session: hasuraSession(result.session), mfa: null };
      },
    );
  }

  app.post(
    '/link/idtoken',
    {
      schema: {
        tags,
        summary: 'Link the provider account of an ID token to the signed-in user (a fresh proof of identity)',
        security: [{ bearer: [] }],
        body: Type.Object({
          provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
          idToken: Type.String({ minLength: 1, maxLength: 16384 }),
          nonce: Type.Optional(Type.String({ maxLength: 512 })),
        }),
        response: replies({ 200: Ok }, 400, 401, 403, 404, 409, 429, 503),
      },
      onRequest: requireUser(s),
      preHandler: [refuseAnonymous, async (request) => s.reauth.requireFresh(request.principal!), limits.credentials],
    },
    async (request, reply) => {
      const { provider, idToken, nonce } = request.body;
      const caller = request.principal!;
      await s.providers.linkWithIdToken(provider, { idToken, nonce }, caller, clientInfo(request), DOOR);
      return sendOk(reply);
    },
  );
}
