import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { declarePluginRoute, hiddenRoute, STATIC } from '../schemas.js';

/** OpenAPI 3.1 generated from the route schemas, served at /openapi.json, and interactive docs at /docs. */
export async function registerOpenApi(app: FastifyInstance, version: string, serverUrl: string) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse',
        version,
        description: 'Authentication and file storage, Hasura Backend Plus compatible.',
      },
      servers: [{ url: serverUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  // swagger-ui's routes (its page, its files, the document again) declare what they answer, as every route does.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) declarePluginRoute(route, [302, ...STATIC]);
  });
  // swagger-ui is the one page served with scripts: its own files only, no inline script, nothing framed.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: false },
    staticCSP:
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src " +
      "'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  app.get('/openapi.json', hiddenRoute(200), async () => app.swagger());
}
