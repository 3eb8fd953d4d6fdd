import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import type { App } from '../../types.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { replies, sendOk } from './reply.js';
import { Ok, tags } from './schemas.js';

/**
 * Routes hasura-auth has and Gatehouse does not offer (yet): they answer what hasura-auth answers for a
 * switched-off feature, `409 disabled-endpoint`, and are listed in the OpenAPI document, not silently missing.
 * Gatehouse sends no SMS (docs/dialects.md).
 */
const NOT_AVAILABLE: [method: 'GET' | 'POST', url: string, why: string][] = [
  ['POST', '/signin/passwordless/sms', 'SMS'],
  ['POST', '/signin/passwordless/sms/otp', 'SMS'],
  ['POST', '/signup/passwordless/sms', 'SMS'],
  ['GET', '/signin/provider/:provider/callback', 'callback of its own (providers return to /auth/providers)'],
];

/** JWKS, health and version; the routes not available; hasura-auth's envelope for unknown routes. */
export function registerMetaRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags,
        summary: 'Public keys of the access tokens (empty with a shared-secret JWT_ALGORITHM, as hasura-auth)',
        response: replies({ 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) }),
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return { keys: await s.keys.publicJwks() };
    },
  );

  // At the root of a host (HASURA_AUTH_MOUNT=/) the server's own /healthz, /version and 404 answer instead.
  const atRoot = config.mount === '';
  if (!atRoot)
    app.get(
      '/healthz',
      { schema: { tags, summary: 'The JSON string "OK" while the server runs', response: replies({ 200: Ok }) } },
      async (_request, reply) => sendOk(reply),
    );

  if (!atRoot)
    app.get(
      '/version',
      {
        schema: {
          tags,
          summary: 'The hasura-auth version this door answers as (HASURA_AUTH_VERSION)',
          response: replies({ 200: Type.Object({ version: Type.String() }) }),
        },
      },
      async () => ({ version: config.version }),
    );

  for (const [method, url, why] of NOT_AVAILABLE) {
    app.route({
      method,
      url,
      schema: {
        tags,
        summary: `Not available: Gatehouse has no ${why} on this door yet (409 disabled-endpoint)`,
        response: replies({}, 409),
      },
      handler: async () => {
        throw hasuraErrors.disabledEndpoint();
      },
    });
  }

  if (!atRoot)
    app.setNotFoundHandler(async (request) => {
      throw hasuraErrors.routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`);
    });
}
