import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { errors } from '../../../core/errors.js';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { resolveRegistration } from '../../../core/users/registration.js';
import { authLimits } from '../../native/auth/limits.js';
import { bodyEmail, mailLimits } from '../../native/auth/mail-limits.js';
import { requireUser } from '../../plugins/auth-guard.js';
import { emptyBodyIsObject } from '../../schemas.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { allowedRedirect, hasuraLinks } from './links.js';
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
        summary:
          'Give the signed-in anonymous user an email and a password (email-password), or an email whose mailed ' +
          'magic link signs it in (passwordless); its anonymous sessions end',
        security: [{ bearer: [] }],
        body: Type.Object({
          signInMethod: Type.Union([Type.Literal('email-password'), Type.Literal('passwordless')]),
          email: Email,
          password: Type.Optional(Password),
          connection: Type.Optional(Type.String({ maxLength: 32 })),
          options: Type.Optional(SignUpOptions),
        }),
        response: replies({ 200: Ok }, 400, 401, 409, 429),
      },
      onRequest: [enabled, requireUser(s)],
      preHandler: mailLimits(s, bodyEmail),
    },
    async (request, reply) => {
      const { signInMethod, email, connection, options = {} } = request.body;
      const passwordless = signInMethod === 'passwordless';
      const password = passwordless ? undefined : request.body.password;
      // hasura-auth's passwordless deanonymize by SMS: Gatehouse sends no SMS.
      if (passwordless && connection !== undefined && connection !== 'email') throw hasuraErrors.invalidRequest();
      if (!passwordless && password === undefined) throw hasuraErrors.invalidRequest();
      if (passwordless && !s.config.lifecycle.magicLink) throw hasuraErrors.disabledEndpoint();
      const links = hasuraLinks(s.config, config.mount, allowedRedirect(s.config, options.redirectTo));
      const { roles, defaultRole } = resolveRegistration(s.config.users, {
        allowedRoles: options.allowedRoles,
        defaultRole: options.defaultRole,
      });
      const input = { email, password, roles, defaultRole, displayName: options.displayName };
      const user = await s.anonymousUsers.deanonymize(request.principal!.userId, input);
      if (passwordless) await s.lifecycle.sendFirstMagicLink(user, links);
      return sendOk(reply);
    },
  );
}
