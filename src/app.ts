import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { destination, pino, type DestinationStream } from 'pino';
import type { Config } from './config/load.js';
import { resolveSecrets } from './config/secrets.js';
import { openDatabase } from './db/client.js';
import { migrateToLatest } from './db/migrate.js';
import { registerNativeErrors, sendAppError, toAppError } from './http/plugins/errors.js';
import { AppError } from './core/errors.js';
import { registerOpenApi } from './http/plugins/openapi.js';
import { registerRequestLog } from './http/plugins/request-log.js';
import { nativeAuth } from './http/native/auth/index.js';
import { registerHealthRoutes } from './http/native/health.js';
import { nativeStorage } from './http/native/storage/index.js';
import { rocketchatDialect } from './http/dialects/rocketchat/index.js';
import { datarheiDialect } from './http/dialects/datarhei/index.js';
import { humhubDialect } from './http/dialects/humhub/index.js';
import { adminApi } from './http/admin/index.js';
import { adminConsole } from './http/console.js';
import { privacyideaDialect } from './http/dialects/privacyidea/index.js';
import { ErrorBody } from './http/schemas.js';
import { SessionBody } from './http/native/auth/schemas.js';
import { createServices, type Runtime, type Services } from './services.js';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export interface BuildOptions extends Runtime {
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
}

/** Never logged, wherever they appear in a logged object. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.old_password',
  '*.new_password',
  '*.refresh_token',
  '*.jwt_token',
  '*.token',
  '*["access-token"]',
];

/** Builds the whole application: database (migrated), services and routes. Does not listen. */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance & { services: Services }> {
  const secrets = await resolveSecrets(config);
  const logger = pino({ level: config.server.logLevel, redact: { paths: REDACT, censor: '[REDACTED]' } }, opts.logStream ?? destination(1));
  const db = openDatabase(config.database);
  let services: Services;
  try {
    await migrateToLatest(db);
    services = await createServices(config, secrets, db, { ...opts, log: logger });
  } catch (err) {
    await db.close();
    throw err;
  }

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    disableRequestLogging: true,
    trustProxy: config.server.trustProxy,
    bodyLimit: config.server.bodyLimit,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, useDefaults: true } },
    // Errors the router raises before any route (a URL that is not valid UTF-8…) get the native envelope too.
    frameworkErrors: (error, _request, reply) => sendAppError(reply, toAppError(error) ?? new AppError('internal-error', 500, 'Internal error')),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only, unless a route family adds its own parser: text/plain would otherwise reach schemas as a string.
  app.removeContentTypeParser('text/plain');
  app.decorate('services', services);
  app.decorateRequest('principal', null);
  app.addSchema(ErrorBody);
  app.addSchema(SessionBody);
  registerNativeErrors(app);
  registerRequestLog(app);
  if (secrets.generated.length) app.log.info(`embedded mode: generated ${secrets.generated.join(' and ')} into ${config.dataDir}/secrets`);
  app.log.info(`emails go to ${services.mailer.describe}`);

  await app.register(cookie, { secret: secrets.cookieSecret });
  await registerOpenApi(app, VERSION, config.server.url);
  registerHealthRoutes(app, services, VERSION);
  await app.register(async (scope) => adminApi(scope.withTypeProvider<TypeBoxTypeProvider>(), services), { prefix: '/admin' });
  if (config.console.enabled) await app.register(async (scope) => adminConsole(scope.withTypeProvider<TypeBoxTypeProvider>()));
  const dialects = new Set(config.dialects);
  if (dialects.has('hbp')) {
    await app.register(async (scope) => nativeAuth(scope.withTypeProvider<TypeBoxTypeProvider>(), services), { prefix: '/auth' });
    await app.register(async (scope) => nativeStorage(scope.withTypeProvider<TypeBoxTypeProvider>(), services), { prefix: '/storage' });
  }
  if (dialects.has('humhub')) await app.register(async (scope) => humhubDialect(scope.withTypeProvider<TypeBoxTypeProvider>(), services));
  if (dialects.has('rocketchat')) await app.register(async (scope) => rocketchatDialect(scope.withTypeProvider<TypeBoxTypeProvider>(), services));
  if (dialects.has('privacyidea')) await app.register(async (scope) => privacyideaDialect(scope.withTypeProvider<TypeBoxTypeProvider>(), services));
  if (dialects.has('datarhei')) await app.register(async (scope) => datarheiDialect(scope.withTypeProvider<TypeBoxTypeProvider>(), services, VERSION));

  // Expired rows are dropped in the background; the timer never keeps the process alive.
  const housekeeping = setInterval(() => {
    const now = services.clock.now();
    void services.throttle.prune().catch((err) => app.log.warn({ err }, 'pruning login failures failed'));
    void services.queries.refreshTokens.deleteExpired(now).catch((err) => app.log.warn({ err }, 'pruning refresh tokens failed'));
    void services.queries.tickets.deleteExpired(now).catch((err) => app.log.warn({ err }, 'pruning tickets failed'));
  }, 10 * 60_000);
  housekeeping.unref();

  app.addHook('onClose', async () => {
    clearInterval(housekeeping);
    await services.background.drain();
    services.mailer.close();
    await services.limits?.close();
    await db.close();
  });
  return app as unknown as FastifyInstance & { services: Services };
}
