import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';

/** What the app recorded of its routes as they were registered: each route's own schema, hidden ones included. */
export interface RouteSchemas {
  /** Every route (`METHOD url`, HEAD included), in the order they were registered. */
  list(): { method: string; url: string; hidden: boolean }[];
  /** The schema of one route (its final form: hooks that run after the recording may still have added to it). */
  schemaOf(method: string, url: string): FastifySchema | undefined;
  /** The statuses a route declares in `schema.response`; undefined for an unknown route. */
  statusesOf(method: string, url: string): number[] | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeSchemas: RouteSchemas;
  }
}

/**
 * Records each route's options through an `onRoute` hook on the root instance (so every scope's routes): Fastify
 * keeps a route's schema out of reach once the app is ready, and the hidden routes, absent from `/openapi.json`,
 * are checked against the statuses they declare (test/fuzz-hidden.test.ts). Added before any route.
 */
export function recordRouteSchemas(app: FastifyInstance) {
  const routes = new Map<string, RouteOptions>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.set(`${method} ${route.url}`, route);
  });
  const schemaOf = (method: string, url: string) => routes.get(`${method.toUpperCase()} ${url}`)?.schema;
  const recorded: RouteSchemas = {
    list: () =>
      [...routes.entries()].map(([key, route]) => {
        const space = key.indexOf(' ');
        return { method: key.slice(0, space), url: key.slice(space + 1), hidden: route.schema?.hide === true };
      }),
    schemaOf,
    statusesOf(method, url) {
      if (!routes.has(`${method.toUpperCase()} ${url}`)) return undefined;
      const response = schemaOf(method, url)?.response as Record<string, unknown> | undefined;
      return Object.keys(response ?? {}).map(Number);
    },
  };
  app.decorate('routeSchemas', recorded);
}
