import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { KeyActor } from '../../core/tokens/key-ring.js';
import type { Services } from '../../services.js';
import { bearerToken } from '../plugins/auth-guard.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';

/** Who is calling the admin API; the guard of the admin context has already let them in. */
export async function adminActor(request: FastifyRequest, s: Services): Promise<KeyActor> {
  const client = { ip: request.ip ?? null, userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 512) : null };
  const token = bearerToken(request);
  if (!token) return { kind: 'admin-secret', id: null, ...client };
  return { kind: 'user', id: (await s.accessTokens.verify(token)).userId, ...client };
}

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
    async (request) => s.keys.rotate(await adminActor(request, s)),
  );
}
