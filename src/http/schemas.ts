import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

/** The native (HBP/Boom) error body, plus a stable machine-readable `code`. */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
  },
  { $id: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;

const errorRef = Type.Ref('Error');

/**
 * Declares the error statuses a route may answer with, next to its success schema.
 * 503 is always among them: any route may meet a database outage (`database-unavailable`).
 */
export function responses<R extends Record<number, TSchema>>(ok: R, ...errorStatuses: number[]) {
  const out: Record<number, TSchema> = { ...ok };
  for (const status of [...errorStatuses, 503]) out[status] = errorRef;
  return out as R & Record<number, TSchema>;
}

export const NoContent = Type.Null({ description: 'No content' });

/** What a hidden route answers that is not JSON of one shape (a page, a script, a redirect, a dialect's error). */
const AnyBody = Type.Unknown({ description: 'An HTML page, a script, a redirect or an error body' });

/**
 * `schema.response` of a hidden route (a page, a script, a redirect, a catch-all): every status it may answer, with
 * no body shape (a page's HTML is not serialized; an error's JSON goes through as it is). 503 is always among them;
 * the shared statuses of `sharedStatusesOf` are added by `declareSharedStatuses`.
 */
function pageResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries([...statuses, 503].map((status) => [status, AnyBody]));
}

/**
 * The options of a hidden route (a page, a script, a redirect) answering `statuses`: a new object per route, as
 * `declareSharedStatuses` adds each route's own shared statuses to its `schema.response`.
 */
export const hiddenRoute = (...statuses: number[]) => ({
  schema: { hide: true, response: pageResponses(...statuses) },
});

const BODYLESS = new Set(['GET', 'HEAD']);
const speaksNative = (response: Record<string, unknown>) =>
  Object.values(response).some((s) => s === errorRef || (s as { $ref?: string })?.$ref === 'Error');

/**
 * Statuses a route can answer without saying so itself:
 * - 400 (`validation-failed`, `invalid-json`), 413 and 415 wherever a body is read, which
 *   is every method but GET and HEAD, whether or not the route expects one;
 * - 400 wherever a query, params or headers schema can refuse the request, or a path parameter (or wildcard) can be
 *   malformed percent-encoding (`invalid-url`);
 * - 503 everywhere: the server is closing (or the database is unavailable).
 */
export function sharedStatusesOf(route: Pick<RouteOptions, 'method' | 'schema'> & { url?: string }): number[] {
  const out = new Set<number>();
  if ([route.method].flat().some((m) => !BODYLESS.has(m))) for (const s of [400, 413, 415]) out.add(s);
  if (route.schema?.querystring || route.schema?.params || route.schema?.headers) out.add(400);
  if (/[:*]/.test(route.url ?? '')) out.add(400);
  out.add(503);
  return [...out];
}

/**
 * Adds the shared statuses to every route that speaks the native envelope (declares a native
 * error), so no route can forget one, and to every hidden route (pages, scripts, catch-alls: with no body
 * shape, as a dialect's catch-all answers in its own envelope). Documented dialect routes, with envelopes of
 * their own, declare theirs through `declareEnvelopeStatuses`.
 */
export function declareSharedStatuses(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!response) return;
    if (route.schema?.hide) for (const status of sharedStatusesOf(route)) response[status] ??= AnyBody;
    else if (speaksNative(response)) for (const status of sharedStatusesOf(route)) response[status] ??= errorRef;
  });
}

/** What @fastify/static answers (a file, a range of it, not modified, a bad or refused path, a failed precondition). */
export const STATIC = [200, 206, 304, 400, 403, 404, 412, 416];

/**
 * Declares the statuses of a route a plugin registers (static files, swagger-ui, CORS preflights), from an `onRoute`
 * hook of its own: those routes come without `schema.response`. The shared statuses are added here, as the root's
 * hook ran before this one.
 */
export function declarePluginRoute(route: RouteOptions, statuses: number[]) {
  const response = pageResponses(...statuses, ...sharedStatusesOf(route));
  route.schema = { ...route.schema, response: { ...response, ...(route.schema?.response as object | undefined) } };
}

/**
 * In a dialect's scope: adds to each documented route the shared statuses as the dialect's
 * envelope renders them (`renderedAs` maps a status onto the one its envelope answers: datarhei
 * answers 413 and 415 as 400), with the envelope's error schema.
 */
export function declareEnvelopeStatuses(app: FastifyInstance, schema: TSchema, renderedAs: (status: number) => number) {
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!response || route.schema?.hide) return;
    for (const status of sharedStatusesOf(route)) response[renderedAs(status)] ??= schema;
  });
}

/**
 * A `preValidation` hook for routes whose whole body is optional (HBP clients POST /auth/logout with none): no body is
 * `{}`.
 */
export const emptyBodyIsObject = async (request: FastifyRequest) => {
  request.body ??= {};
};
