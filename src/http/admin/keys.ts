import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';
import { actorOf } from '../client.js';
import { emptyBodyIsObject, responses } from '../schemas.js';
import type { App } from '../types.js';

const Retired = Type.Array(Type.String(), {
  description: 'Keys that stop signing but verify until their tokens expire',
});
const Rotated = Type.Object({
  kid: Type.Optional(
    Type.String({
      description: "The key that signs access tokens from now on (absent when only the dialects' keys rotate)",
    }),
  ),
  algorithm: Type.Optional(Type.String()),
  retired: Type.Optional(Retired),
  dialects: Type.Array(
    Type.Object({
      ring: Type.String({ description: 'humhub, privacyidea or datarhei' }),
      kid: Type.String(),
      retired: Retired,
    }),
    {
      description: "The dialects' JWT keys rotated (one ring per dialect that any instance has served)",
    },
  ),
  oidc: Type.Optional(
    Type.Object(
      { kid: Type.String(), retired: Retired },
      {
        description:
          "The identity provider's own ID-token key (OIDC_ENABLED with an HMAC JWT_ALGORITHM); with an asymmetric " +
          'algorithm the access key signs ID tokens',
      },
    ),
  ),
});
const Body = Type.Object({
  keys: Type.Optional(
    Type.Union([Type.Literal('all'), Type.Literal('access'), Type.Literal('dialects')], {
      description: 'all (the default), access (HBP access tokens), or dialects (HumHub, privacyIDEA and datarhei JWTs)',
    }),
  ),
});

/** POST /admin/keys/rotate: a new signing key for every instance. */
export function registerKeyRoutes(app: App, s: Services): void {
  app.post(
    '/keys/rotate',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Add new signing keys (access tokens and the dialects' JWTs); tokens signed before keep verifying until " +
          'they expire. 409 when JWT_KEY is set and the access key is asked for (rotate it through ' +
          'JWT_PREVIOUS_KEYS; {"keys":"dialects"} still rotates the dialects\' keys)',
        body: Body,
        response: responses({ 200: Rotated }, 400, 401, 403, 409),
      },
      preValidation: emptyBodyIsObject,
    },
    async (request) => s.rotateKeys(actorOf(request), request.body.keys),
  );
}
