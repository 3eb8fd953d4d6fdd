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

const BODYLESS = new Set(['GET', 'HEAD']);
const speaksNative = (response: Record<string, unknown>) =>
  Object.values(response).some((s) => s === errorRef || (s as { $ref?: string })?.$ref === 'Error');

/**
 * Statuses a route can answer without saying so itself:
 * - 400 (`validation-failed`, `invalid-json`), 413 and 415 wherever a body is read, which
 *   is every method but GET and HEAD, whether or not the route expects one;
 * - 400 wherever a query, params or headers schema can refuse the request;
 * - 503 everywhere: the server is closing (or the database is unavailable).
 */
export function sharedStatusesOf(route: Pick<RouteOptions, 'method' | 'schema'>): number[] {
  const out = new Set<number>();
  if ([route.method].flat().some((m) => !BODYLESS.has(m))) for (const s of [400, 413, 415]) out.add(s);
  if (route.schema?.querystring || route.schema?.params || route.schema?.headers) out.add(400);
  out.add(503);
  return [...out];
}

/**
 * Adds the shared statuses to every route that speaks the native envelope (declares a native
 * error), so no route can forget one. Dialect routes, with envelopes of their own, declare
 * theirs through `declareEnvelopeStatuses`.
 */
export function declareSharedStatuses(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!response || route.schema?.hide || !speaksNative(response)) return;
    for (const status of sharedStatusesOf(route)) response[status] ??= errorRef;
  });
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
