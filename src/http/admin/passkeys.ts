import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { AppPasswordInfo, presentAppPassword } from '../native/auth/app-passwords.js';
import { PasskeyInfo, presentPasskey } from '../native/auth/webauthn/schemas.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';
import { Id } from './users.js';

const tags = ['admin'];

/**
 * A user's passkeys (listed without their keys, removed one at a time: audited, no session ends) and app
 * passwords (listed, revoked: their door's sessions end).
 */
export function registerPasskeyAdminRoutes(app: App, s: Services) {
  app.get(
    '/users/:id/passkeys',
    {
      schema: {
        tags,
        summary: "A user's passkeys (never their public keys)",
        params: Id,
        response: responses({ 200: Type.Object({ passkeys: Type.Array(PasskeyInfo) }) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const user = await s.accounts.target(request.params.id);
      return { passkeys: (await s.passkeys.list(user.id)).map(presentPasskey) };
    },
  );

  app.delete(
    '/users/:id/passkeys/:passkey_id',
    {
      schema: {
        tags,
        summary: "Remove one of a user's passkeys (audited); their sessions and other credentials stay",
        params: Type.Object({ id: Type.String({ format: 'uuid' }), passkey_id: Type.String({ format: 'uuid' }) }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { id, passkey_id } = request.params as { id: string; passkey_id: string };
      const user = await s.accounts.target(id);
      await s.passkeys.remove(user.id, passkey_id, actorOf(request), true);
      return reply.code(204).send();
    },
  );

  app.get(
    '/users/:id/app-passwords',
    {
      schema: {
        tags,
        summary: "A user's app passwords (never the passwords), revoked ones included",
        params: Id,
        response: responses({ 200: Type.Object({ app_passwords: Type.Array(AppPasswordInfo) }) }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const user = await s.accounts.target(request.params.id);
      return { app_passwords: (await s.appPasswords.list(user.id)).map(presentAppPassword) };
    },
  );

  app.delete(
    '/users/:id/app-passwords/:app_password_id',
    {
      schema: {
        tags,
        summary: "Revoke one of a user's app passwords (audited); their sessions on its door end",
        params: Type.Object({ id: Type.String({ format: 'uuid' }), app_password_id: Type.String({ format: 'uuid' }) }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404),
      },
    },
    async (request, reply) => {
      const { id, app_password_id } = request.params as { id: string; app_password_id: string };
      const user = await s.accounts.target(id);
      await s.appPasswords.revoke(user.id, app_password_id, actorOf(request));
      return reply.code(204).send();
    },
  );
}
