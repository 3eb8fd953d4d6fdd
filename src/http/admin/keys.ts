import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';

const Rotated = Type.Object({
  kid: Type.String({ description: 'The key that signs from now on' }),
  algorithm: Type.String(),
  retired: Type.Array(Type.String(), { description: 'Keys that stop signing but verify until their tokens expire' }),
});

/** POST /admin/keys/rotate: a new signing key for every instance. */
export function registerKeyRoutes(app: App, s: Services): void {
  app.post(
    '/keys/rotate',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add a new signing key; tokens signed before keep verifying until they expire. 409 when JWT_KEY is set (rotate through JWT_PREVIOUS_KEYS)',
        response: responses({ 200: Rotated }, 401, 403, 409),
      },
    },
    async (request) => s.keys.rotate(actorOf(request)),
  );
}
