import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import { FLOW_COOKIE, flowCookieOf } from '../../native/auth/providers.js';
import type { App } from '../../types.js';
import { allowedRedirect } from './links.js';
import { replies } from './reply.js';
import { tags } from './schemas.js';

/**
 * `GET /signin/provider/:provider?redirectTo=`: a sign-in with one of the providers Gatehouse has (federation.md).
 * The provider returns to the callback it is registered with (`/auth/providers/:provider/callback`), which ends
 * at `redirectTo?refreshToken=…`, the parameter hasura-auth's clients read.
 */
export function registerProviderRoutes(app: App, s: Services) {
  app.get(
    '/signin/provider/:provider',
    {
      schema: {
        tags,
        summary: 'Start a sign-in with a provider; it ends at redirectTo with refreshToken (REDIRECT_TOKEN_IN)',
        params: Type.Object({ provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) }),
        querystring: Type.Object({ redirectTo: Type.Optional(Type.String({ maxLength: 2048 })) }),
        response: replies({ 302: Type.Null({ description: "To the provider's authorization page" }) }, 400, 404),
      },
    },
    async (request, reply) => {
      const redirectUrl = allowedRedirect(s.config, request.query.redirectTo);
      const opts = { redirectUrl, cookieMode: false, tokenParam: 'refreshToken' };
      const started = await s.providers.start(request.params.provider, opts);
      reply.setCookie(FLOW_COOKIE, started.flow, { ...flowCookieOf(s.config.cookies), maxAge: started.maxAgeSeconds });
      return reply.redirect(started.url, 302);
    },
  );
}
