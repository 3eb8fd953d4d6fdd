import { Type } from '@sinclair/typebox';
import { errors } from '../../../core/errors.js';
import type { Services } from '../../../services.js';
import { requireUser } from '../../plugins/auth-guard.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { Password, UserInfo } from './schemas.js';

const ChangePasswordBody = Type.Object({ old_password: Password, new_password: Password });

/** Routes for the signed-in user. Registered in their own context: every route needs a valid access token. */
export function registerAccountRoutes(app: App, s: Services) {
  app.addHook('onRequest', requireUser(s.accessTokens));

  app.get(
    '/user',
    { schema: { tags: ['auth'], summary: 'The signed-in user', security: [{ bearer: [] }], response: responses({ 200: UserInfo }, 401) } },
    async (request) => {
      const user = await s.users.get(request.principal!.userId);
      if (!user || !user.active || user.disabled) throw errors.unauthenticated('The account no longer exists or is disabled');
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
        mfa: { enabled: false },
        metadata: user.metadata,
      };
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
        response: responses({ 204: NoContent }, 400, 401, 413, 415),
      },
    },
    async (request, reply) => {
      await s.auth.changePassword({ caller: request.principal!, oldPassword: request.body.old_password, newPassword: request.body.new_password });
      return reply.code(204).send();
    },
  );
}
