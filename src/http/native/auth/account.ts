import { Type, type Static } from '@sinclair/typebox';
import { errors } from '../../../core/errors.js';
import type { Services } from '../../../services.js';
import type { User } from '../../../core/users/service.js';
import { requireUser } from '../../plugins/auth-guard.js';
import { actorOf, clientInfo } from './session-reply.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { bodyNewEmail, mailLimits } from './mail-limits.js';
import { bearerTokens, NewToken, TokenBody, TokenInfo } from './bearer-tokens.js';
import { registerMfaRoutes } from './mfa.js';
import { registerPasskeyAccount } from './webauthn/account.js';
import { registerAppPasswordRoutes } from './app-passwords.js';
import { freshProof, registerReauthRoute } from './reauthenticate.js';
import { Email, Password, UserInfo } from './schemas.js';

const ChangePasswordBody = Type.Object({ old_password: Password, new_password: Password });

const NewEmailBody = Type.Object({ new_email: Email });

/** GET /auth/user's answer (HBP's user object). */
function userInfo(user: User): Static<typeof UserInfo> {
  return {
    id: user.id,
    email: user.email,
    display_name: user.displayName,
    avatar_url: user.avatarUrl,
    locale: user.locale,
    roles: user.roles,
    default_role: user.defaultRole,
    active: user.active,
    email_verified: user.emailVerified,
    created_at: user.createdAt.toISOString(),
    mfa: { enabled: user.mfaEnabled },
    metadata: user.metadata,
  };
}

/** Routes for the signed-in user. Registered in their own context: every route needs a valid access token. */
export function registerAccountRoutes(app: App, s: Services) {
  const { lifecycle } = s.config;
  app.addHook('onRequest', requireUser(s));
  const fresh = freshProof(s);
  registerReauthRoute(app, s);
  if (lifecycle.mfa) registerMfaRoutes(app, s);
  if (s.config.passkeys.enabled) registerPasskeyAccount(app, s);
  registerAppPasswordRoutes(app, s);

  if (!lifecycle.verifyEmails) {
    app.post(
      '/change-email',
      {
        schema: {
          tags: ['account'],
          summary: 'Change the email address at once (VERIFY_EMAILS=false); the old address gets a link that undoes it',
          security: [{ bearer: [] }],
          body: NewEmailBody,
          response: responses({ 204: NoContent }, 400, 401, 403, 409),
        },
        preHandler: fresh,
      },
      async (request, reply) => {
        await s.lifecycle.changeEmail(request.principal!.userId, request.body.new_email, request.principal!.sessionId);
        return reply.code(204).send();
      },
    );
  } else {
    app.post(
      '/change-email/request',
      {
        schema: {
          tags: ['account'],
          summary: 'Email a confirmation ticket to the new address (VERIFY_EMAILS=true)',
          security: [{ bearer: [] }],
          body: NewEmailBody,
          response: responses({ 204: NoContent }, 400, 401, 403, 409, 429, 503),
        },
        preHandler: [fresh, mailLimits(s, bodyNewEmail)],
      },
      async (request, reply) => {
        await s.lifecycle.requestEmailChange(request.principal!.userId, request.body.new_email);
        return reply.code(204).send();
      },
    );
  }

  const tokens = bearerTokens(s);
  const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
  app.get(
    '/tokens',
    {
      schema: {
        tags: ['account'],
        summary: 'My bearer tokens (HumHub), never the tokens themselves',
        security: [{ bearer: [] }],
        response: responses({ 200: Type.Array(TokenInfo) }, 401),
      },
    },
    async (request) => tokens.list(request.principal!.userId),
  );
  app.post(
    '/tokens',
    {
      schema: {
        tags: ['account'],
        summary: 'Create a bearer token for myself; shown once',
        security: [{ bearer: [] }],
        body: TokenBody,
        response: responses({ 201: NewToken }, 400, 401, 403),
      },
      preHandler: fresh,
    },
    async (request, reply) =>
      reply.code(201).send(await tokens.create(request.principal!.userId, request.body, actorOf(request))),
  );
  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['account'],
        summary: 'Revoke one of my bearer tokens',
        security: [{ bearer: [] }],
        params: Id,
        response: responses({ 204: NoContent }, 400, 401, 404),
      },
    },
    async (request, reply) => {
      if (!(await s.apiTokens.revokeById(request.params.id, actorOf(request), request.principal!.userId)))
        throw errors.notFound('No such live token');
      return reply.code(204).send();
    },
  );

  if (lifecycle.selfDelete) {
    app.post(
      '/delete',
      {
        schema: {
          tags: ['account'],
          summary: 'Delete the account, its tokens and tickets',
          security: [{ bearer: [] }],
          response: responses({ 204: NoContent }, 401),
        },
      },
      async (request, reply) => {
        await s.lifecycle.deleteSelf(request.principal!.userId);
        return reply.code(204).send();
      },
    );
  }

  // The answer, serialised, for each user object the session registry hands out: the registry
  // keeps that object for its cache bound, so a who-am-I never serialises the same user twice
  // and is never staler than the session check itself.
  const answers = new WeakMap<User, string>();
  app.get(
    '/user',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        security: [{ bearer: [] }],
        response: responses({ 200: UserInfo }, 401),
      },
    },
    async (request, reply) => {
      // The registry read the user when it checked the session: no second read, and never staler than its bound.
      const { user } = request.principal!;
      let body = answers.get(user);
      if (body === undefined) {
        body = reply.serialize(userInfo(user)) as string;
        answers.set(user, body);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.post(
    '/change-password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session of the user ends',
        security: [{ bearer: [] }],
        body: ChangePasswordBody,
        response: responses({ 204: NoContent }, 400, 401, 409, 413, 415, 429),
      },
    },
    async (request, reply) => {
      await s.auth.changePassword({
        caller: request.principal!,
        oldPassword: request.body.old_password,
        newPassword: request.body.new_password,
        client: clientInfo(request),
      });
      return reply.code(204).send();
    },
  );
}
