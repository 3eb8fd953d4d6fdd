import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { Email } from '../native/auth/schemas.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';
import { AdminUserDetail, adminUserDetail } from './user-presenter.js';
import { Id } from './users.js';

const tags = ['admin'];
const Changed = Type.Object({ changed: Type.Boolean({ description: 'false when there was nothing to do' }) });

/** What an operator fixes by hand: activate, mail the activation again, reset MFA, edit a profile. */
export function adminUserActionRoutes(app: App, s: Services) {
  app.post(
    '/users/:id/activate',
    {
      schema: {
        tags,
        summary: 'Activate a pending account (its address taken as proven); changed: false when it was active',
        params: Id,
        response: responses({ 200: Changed }, 400, 401, 403, 404),
      },
    },
    async (request) => ({ changed: await s.adminActions.activate(request.params.id, actorOf(request)) }),
  );

  const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
  app.get(
    '/users/:id/activity',
    {
      schema: {
        tags,
        summary: 'Sign-ins and failures over 30 days, the last sign-in and when the user was last seen',
        params: Id,
        response: responses(
          {
            200: Type.Object({
              sign_ins_30d: Type.Integer(),
              failed_sign_ins_30d: Type.Integer(),
              last_sign_in_at: When,
              last_seen_at: When,
            }),
          },
          400,
          401,
          403,
          404,
        ),
      },
    },
    async (request) => {
      const a = await s.adminActions.activity(request.params.id);
      return {
        sign_ins_30d: a.signIns30d,
        failed_sign_ins_30d: a.failedSignIns30d,
        last_sign_in_at: a.lastSignInAt?.toISOString() ?? null,
        last_seen_at: a.lastSeenAt?.toISOString() ?? null,
      };
    },
  );

  app.post(
    '/users/:id/activation-mail',
    {
      schema: {
        tags,
        summary: 'Mail a new activation link to a pending account (409 when it is active or disabled)',
        params: Id,
        response: responses({ 204: NoContent }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      await s.adminActions.resendActivation(request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.delete(
    '/users/:id/mfa',
    {
      schema: {
        tags,
        summary: 'Remove the second factor of a user who lost it; changed: false when they had none',
        params: Id,
        response: responses({ 200: Changed }, 400, 401, 403, 404),
      },
    },
    async (request) => ({ changed: await s.adminActions.resetMfa(request.params.id, actorOf(request)) }),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary:
          "Edit a user's email (taken as proven; their sessions end), username, display name or metadata (a JSON " +
          'object of at most 16 KiB that replaces the old one; the audit entry names the keys that changed)',
        params: Id,
        body: Type.Object(
          {
            email: Type.Optional(Email),
            username: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z._-]{1,64}$' })),
            display_name: Type.Optional(Type.String({ maxLength: 200 })),
            metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: AdminUserDetail }, 400, 401, 403, 404, 409),
      },
    },
    async (request) => {
      const { email, username, display_name, metadata } = request.body;
      const user = await s.adminActions.edit(
        request.params.id,
        { email, username, displayName: display_name, metadata: metadata as Record<string, unknown> | undefined },
        actorOf(request),
      );
      return adminUserDetail(user);
    },
  );
}
