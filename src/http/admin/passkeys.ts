import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { PasskeyInfo, presentPasskey } from '../native/auth/webauthn/schemas.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';
import { Id } from './users.js';

const tags = ['admin'];

/** A user's passkeys: listed without their keys, removed one at a time (audited; no session ends). */
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
}
