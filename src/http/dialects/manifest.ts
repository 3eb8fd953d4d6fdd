import type { TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Field } from '../../config/fields.js';
import { errors } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { type Envelope, envelopeErrorHandler } from '../plugins/errors.js';
import { declareEnvelopeStatuses, hiddenRoute } from '../schemas.js';
import type { App } from '../types.js';

export type Fields = Record<string, Field<unknown>>;
/** The parsed values of a set of fields. */
export type RawOf<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

export type { Envelope, Rendered } from '../plugins/errors.js';

/**
 * A wire dialect: one folder holding its configuration fields, its routes, its error
 * envelope and the kinds of token it issues. `register` runs inside an encapsulated scope.
 */
export interface DialectManifest<Id extends string = string, F extends Fields = Fields, C = unknown> {
  id: Id;
  /** One line of documentation for the DIALECTS setting. */
  summary: string;
  configFields: F;
  readConfig(raw: RawOf<F>): C;
  tokenKinds: readonly string[];
  /**
   * Path prefixes (ending in `/`) the real system owns: an unknown path under one gets this dialect's own 404,
   * rendered by its envelope, instead of the native one. When two dialects declare the same prefix the first in
   * the registry keeps it; a longer prefix wins over a shorter one (`/api/v1/auth/` over `/api/v1/` over `/api/`).
   */
  prefixes?: readonly string[];
  /** What an unknown path under the prefixes answers (its catch-all's declared statuses); 404 when absent. */
  unknownPathStatuses?: readonly number[];
  register(app: App, core: Services, config: C): Promise<void>;
}

/**
 * Installs a dialect's envelope as the error handler of its scope: one renderer per dialect.
 * With `errorSchema` (every dialect but the native one), each documented route of the scope also
 * declares the shared statuses as the envelope renders them, and answers are written as the
 * handlers and the envelope build them: real clients parse that wire format, the response schemas
 * document it (a schema-driven serializer would drop or coerce what a schema leaves out).
 */
export function useEnvelope(app: App, envelope: Envelope, errorSchema?: TSchema) {
  if (errorSchema) {
    declareEnvelopeStatuses(
      app,
      errorSchema,
      (status) => envelope(errors.ofStatus(status), {} as FastifyRequest).status,
    );
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  }
  app.setErrorHandler(envelopeErrorHandler(envelope));
}

/**
 * The compatibility clients send `Content-Type: application/json` with no body (Rocket.Chat's
 * logout, datarhei's token login): in a dialect's scope that is an empty body, not an error.
 */
export function acceptEmptyJson(app: App) {
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return json(request, body as string, done);
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the catch-all routes of a dialect's prefixes (see `answerUnknownPaths`). */
    unknownPath?: boolean;
  }
}

/** Whether a request reached a dialect's catch-all: a dialect that checks credentials before routing hooks on it. */
export const isUnknownPath = (request: FastifyRequest) => request.routeOptions?.config?.unknownPath === true;

/**
 * Registers, inside a dialect's scope, one catch-all per prefix, so that an unknown path there is refused
 * by the dialect's own error handler (its envelope), and by its hooks first where it has some.
 */
export function answerUnknownPaths(app: App, prefixes: readonly string[], statuses: readonly number[] = [404]) {
  for (const prefix of prefixes)
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `${prefix}*`,
      ...hiddenRoute(...statuses),
      config: { unknownPath: true },
      handler: async (request) => {
        throw errors.routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`);
      },
    });
}
