import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors.js';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { authLimits } from '../../native/auth/limits.js';
import { requireUser } from '../../plugins/auth-guard.js';
import { emptyBodyIsObject } from '../../schemas.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { hasuraSession } from './present.js';
import { replies, sendOk } from './reply.js';
import { Email, Ok, Password, SessionPayload, SignUpOptions, tags } from './schemas.js';
import { DOOR } from './sessions.js';

/** preHandler of what an anonymous user may not do (a password, an address, a token, MFA): forbidden-anonymous. */
export const refuseAnonymous = async (request: FastifyRequest) => {
  if (request.principal?.user.anonymous) throw errors.anonymousForbidden();
};

/** `POST /signin/anonymous` and `POST /user/deanonymize` (HASURA_AUTH_ANONYMOUS_USERS). */
export function registerAnonymousRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  const limits = authLimits(s);
  const enabled = async () => {
    if (!config.anonymousUsers) throw hasuraErrors.disabledEndpoint();
  };

  app.post(
    '/signin/anonymous',
    {
      schema: {
        tags,
        summary: 'A session for a new anonymous user (role anonymous), with no credential of its own',
        body: Type.Object({
          displayName: Type.Optional(Type.String({ maxLength: 256 })),
          locale: Type.Optional(Type.String({ maxLength: 16 })),
          metadata: SignUpOptions.properties.metadata,
        }),
        response: replies({ 200: SessionPayload }, 400, 409, 429),
      },
      onRequest: enabled,
      preValidation: emptyBodyIsObject,
      preHandler: limits.credentials,
    },
    async (request) => {
      const session = await s.anonymousUsers.signIn(request.body, clientInfo(request), DOOR);
      return { session: hasuraSession(session) };
    },
  );

  app.post(
    '/user/deanonymize',
    {
      schema: {
        tags,
        summary: 'Give the signed-in anonymous user an email and a password (signInMethod email-password)',
        security: [{ bearer: [] }],
        body: Type.Object({
          signInMethod: Type.Union([Type.Literal('email-password'), Type.Literal('passwordless')]),
          email: Email,
          password: Type.Optional(Password),
          connection: Type.Optional(Type.String({ maxLength: 32 })),
          options: Type.Optional(SignUpOptions),
        }),
        response: replies({ 200: Ok }, 400, 401, 409),
      },
      onRequest: [enabled, requireUser(s)],
    },
    async (request, reply) => {
      const { signInMethod, email, password } = request.body;
      // Passwordless deanonymisation (a magic link to the new address) is not offered: documented.
      if (signInMethod !== 'email-password' || password === undefined) throw hasuraErrors.invalidRequest();
      await s.anonymousUsers.deanonymize(request.principal!.userId, email, password);
      return sendOk(reply);
    },
  );
}
