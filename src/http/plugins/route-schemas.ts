import type { FastifyInstance, RouteOptions } from 'fastify';

/** What the app recorded of its routes as they were registered: each route's own schema, hidden ones included. */
export interface RouteSchemas {
  /** Every route (`METHOD url`, HEAD included), in the order they were registered. */
  list(): { method: string; url: string; hidden: boolean }[];
  /**
   * The statuses a route declares in `schema.response`, in its final form (hooks that run after the recording may
   * still add to it); undefined for an unknown route.
   */
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
  const routes = new Map<string, { method: string; url: string; route: RouteOptions }>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.set(`${method} ${route.url}`, { method, url: route.url, route });
  });
  const recorded: RouteSchemas = {
    list: () =>
      [...routes.values()].map(({ method, url, route }) => ({ method, url, hidden: route.schema?.hide === true })),
    statusesOf(method, url) {
      const found = routes.get(`${method.toUpperCase()} ${url}`);
      if (!found) return undefined;
      return Object.keys((found.route.schema?.response as Record<string, unknown> | undefined) ?? {}).map(Number);
    },
  };
  app.decorate('routeSchemas', recorded);
}
