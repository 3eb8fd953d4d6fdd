import { Type } from '@sinclair/typebox';
import { errors } from '../../../core/errors.js';
import type { Services } from '../../../services.js';
import { responses } from '../../schemas.js';
import type { App } from '../../types.js';

const Jwks = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) });

export function registerJwksRoute(app: App, s: Services) {
  app.get(
    '/jwks',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Public keys verifying access tokens: every live key, the signing one first (asymmetric algorithms only)',
        response: responses({ 200: Jwks }, 404),
      },
    },
    async (_request, reply) => {
      const keys = await s.keys.publicJwks();
      if (keys.length === 0) {
        throw errors.jwksUnavailable(
          `No JWKS: JWT_ALGORITHM is ${s.keys.algorithm}, a shared secret that is never published. ` +
            'Use RS256, ES256 or EdDSA to get a JWKS.',
        );
      }
      // Short: a rotation publishes a new key, and verifiers must fetch it soon.
      reply.header('cache-control', 'public, max-age=60');
      return { keys };
    },
  );
}
