import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Field } from '../../config/fields.js';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { toAppError } from '../plugins/errors.js';
import { declareEnvelopeStatuses } from '../schemas.js';
import type { App } from '../types.js';

export type Fields = Record<string, Field<unknown>>;
/** The parsed values of a set of fields. */
export type RawOf<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

/** What a dialect answers for an error: its own status, headers and body. */
export interface Rendered {
  status: number;
  body: unknown;
  headers?: Record<string, string | number>;
}

/** Maps a known error (or, for `undefined`, an unexpected one) onto the dialect's wire shape. */
export type Envelope = (err: AppError, request: FastifyRequest) => Rendered;

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
      (status) => envelope(new AppError('shared', status, ''), {} as FastifyRequest).status,
    );
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  }
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    let known = toAppError(err, request);
    if (!known) {
      request.log.error({ err }, 'unhandled error');
      known = new AppError('internal-error', 500, `Internal error (request ${request.id})`);
    }
    const out = envelope(known, request);
    if (known.status === 413) reply.header('connection', 'close');
    return reply
      .code(out.status)
      .headers({ ...known.headers, ...out.headers })
      .send(out.body);
  });
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
