import { Type } from '@sinclair/typebox';
import { APP_PASSWORD_DOORS } from '../../../core/app-passwords/service.js';
import type { AppPasswordRow } from '../../../db/queries/app-passwords.js';
import type { Services } from '../../../services.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { freshProof } from './reauthenticate.js';
import { actorOf } from './session-reply.js';

const Nullable = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const AppPasswordDoor = Type.Union(
  APP_PASSWORD_DOORS.map((d) => Type.Literal(d)),
  { description: 'The door that accepts it: humhub (JWT login and HTTP Basic), rocketchat, privacyidea or datarhei' },
);

export const AppPasswordInfo = Type.Object({
  id: Type.String({ format: 'uuid' }),
  door: Type.String(),
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Nullable,
  revoked_at: Nullable,
});

export const presentAppPassword = (p: AppPasswordRow) => ({
  id: p.id,
  door: p.door,
  name: p.name,
  created_at: p.createdAt.toISOString(),
  last_used_at: p.lastUsedAt?.toISOString() ?? null,
  revoked_at: p.revokedAt?.toISOString() ?? null,
});

const NewAppPassword = Type.Intersect([
  AppPasswordInfo,
  Type.Object({ password: Type.String({ description: 'Shown once: give it to the app in place of your password' }) }),
]);

/** The signed-in user's app passwords (inside the authenticated context). */
export function registerAppPasswordRoutes(app: App, s: Services) {
  const security = [{ bearer: [] }];
  app.get(
    '/app-passwords',
    {
      schema: {
        tags: ['account'],
        summary: 'My app passwords (never the passwords), revoked ones included',
        security,
        response: responses({ 200: Type.Array(AppPasswordInfo) }, 401),
      },
    },
    async (request) => (await s.appPasswords.list(request.principal!.userId)).map(presentAppPassword),
  );

  app.post(
    '/app-passwords',
    {
      schema: {
        tags: ['account'],
        summary:
          'Create an app password for a door that carries only a password (HumHub, Rocket.Chat, privacyIDEA, ' +
          'datarhei); shown once. It stands for the whole sign-in there, so it needs a fresh proof',
        security,
        body: Type.Object({ door: AppPasswordDoor, name: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: responses({ 201: NewAppPassword }, 400, 401, 403),
      },
      preHandler: freshProof(s),
    },
    async (request, reply) => {
      const created = await s.appPasswords.create(request.principal!.userId, request.body, actorOf(request));
      return reply.code(201).send({ ...presentAppPassword(created), password: created.secret });
    },
  );

  app.delete(
    '/app-passwords/:id',
    {
      schema: {
        tags: ['account'],
        summary: 'Revoke one of my app passwords; my sessions on its door end with it',
        security,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: responses({ 204: NoContent }, 400, 401, 404),
      },
    },
    async (request, reply) => {
      await s.appPasswords.revoke(request.principal!.userId, request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );
}
