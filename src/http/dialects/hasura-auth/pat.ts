import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import { actorOf, clientInfo } from '../../client.js';
import { authLimits } from '../../native/auth/limits.js';
import { requireUser } from '../../plugins/auth-guard.js';
import type { App } from '../../types.js';
import { refuseAnonymous } from './anonymous.js';
import { hasuraErrors } from './envelope.js';
import { hasuraSession } from './present.js';
import { replies } from './reply.js';
import { SessionPayload, tags } from './schemas.js';
import { DOOR } from './sessions.js';

/** Personal access tokens: the core's personal bearer tokens (HumHub's bearer tokens are the same ones). */
export function registerPatRoutes(app: App, s: Services) {
  const limits = authLimits(s);

  app.post(
    '/pat',
    {
      schema: {
        tags,
        summary: 'Create a personal access token (a fresh proof of identity); shown once',
        security: [{ bearer: [] }],
        body: Type.Object({
          expiresAt: Type.String({ format: 'date-time' }),
          metadata: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 20 })),
        }),
        response: replies(
          { 200: Type.Object({ id: Type.String(), personalAccessToken: Type.String() }) },
          400,
          401,
          403,
        ),
      },
      onRequest: requireUser(s),
      preHandler: [refuseAnonymous, async (request) => s.reauth.requireFresh(request.principal!)],
    },
    async (request) => {
      const { expiresAt, metadata } = request.body;
      const lifetimeMs = new Date(expiresAt).getTime() - s.clock.now().getTime();
      if (!(lifetimeMs > 0)) throw hasuraErrors.invalidRequest('expiresAt must be in the future');
      const name = typeof metadata?.name === 'string' ? metadata.name.slice(0, 100) : 'hasura-auth PAT';
      const t = await s.apiTokens.issue(request.principal!.userId, 'bearer', {
        lifetimeMs,
        name,
        actor: actorOf(request),
      });
      return { id: t.id, personalAccessToken: t.token };
    },
  );

  app.post(
    '/signin/pat',
    {
      schema: {
        tags,
        summary: 'Open a session with a personal access token (unproven: it cannot mint another token)',
        body: Type.Object({ personalAccessToken: Type.String({ minLength: 1, maxLength: 512 }) }),
        response: replies({ 200: SessionPayload }, 400, 401, 429),
      },
      preHandler: limits.credentials,
    },
    async (request) => {
      const session = await s.auth.signInWithPersonalToken(request.body.personalAccessToken, clientInfo(request), DOOR);
      return { session: hasuraSession(session) };
    },
  );
}
