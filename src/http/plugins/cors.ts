import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/load.js';
import { declarePluginRoute } from '../schemas.js';

/**
 * Response headers a browser script may read besides the safelisted ones; the storage listing's paging headers
 * among them, so an app on another origin sees that a page was cut.
 */
const EXPOSED = [
  'etag',
  'content-range',
  'content-disposition',
  'retry-after',
  'x-request-id',
  'x-truncated',
  'x-next-marker',
  'link',
];

/**
 * CORS for every route of every dialect, preflight included (one root-level hook and `OPTIONS *`).
 * Listed origins (and SERVER_URL's) get credentials; with `*` any other origin may call without them,
 * so cookies never travel to an origin the operator did not name. Other origins get no CORS headers.
 */
export async function registerCors(app: FastifyInstance, config: Config['cors']): Promise<void> {
  const listed = new Set(config.origins);
  // The preflight route (`OPTIONS *`, the plugin's): 204, or 404 for an OPTIONS that is no preflight.
  app.addHook('onRoute', (route) => {
    if (route.url === '*' && [route.method].flat().includes('OPTIONS')) declarePluginRoute(route, [204, 404]);
  });
  const base = {
    methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
    exposedHeaders: EXPOSED,
    maxAge: 600,
    strictPreflight: false,
  };
  if (!config.anyOrigin) {
    // Options fixed at start, only the origin decided per request: the plugin normalises a
    // delegator's options on every request, which cost about 7 % of a small answer.
    await app.register(cors, {
      ...base,
      hideOptionsRoute: true,
      credentials: true,
      origin: (origin, done) => done(null, origin !== undefined && listed.has(origin)),
    });
    return;
  }
  // With `*`, whether credentials are allowed depends on the origin: only a delegator can say so.
  const unlisted = { ...base, origin: '*', credentials: false };
  const credentialed = new Map([...listed].map((origin) => [origin, { ...base, origin, credentials: true }]));
  await app.register(cors, {
    hideOptionsRoute: true,
    delegator: (request: FastifyRequest, done) => {
      const origin = request.headers.origin;
      done(null, (origin && credentialed.get(origin)) || unlisted);
    },
  });
}
