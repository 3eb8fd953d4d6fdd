import { VERSION } from './version.js';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { destination, pino, type DestinationStream } from 'pino';
import type { Config } from './config/load.js';
import { resolveSecrets, type Secrets } from './config/secrets.js';
import { openDatabase } from './db/client.js';
import { migrateToLatest } from './db/migrate.js';
import { nativeEnvelope, registerNativeErrors, sendError, toAppError } from './http/plugins/errors.js';
import { errors } from './core/errors.js';
import { registerCors } from './http/plugins/cors.js';
import { registerOpenApi } from './http/plugins/openapi.js';
import { lineBatcher, registerRequestLog } from './http/plugins/request-log.js';
import { lazyRequestLogger } from './http/plugins/request-logger.js';
import { registerClosing } from './http/plugins/closing.js';
import { recordRouteSchemas } from './http/plugins/route-schemas.js';
import { registerSecurityHeaders } from './http/plugins/security-headers.js';
import { registerHealthRoutes } from './http/native/health.js';
import { registerHomePage } from './http/home/index.js';
import { registerIdentityProvider } from './http/oidc/index.js';
import { registerSetupRoutes } from './http/setup/index.js';
import { prettyLogStream } from './log-format.js';
import { registerMetricsRoute, registerRequestMetrics } from './http/native/metrics.js';
import { adminApi } from './http/admin/index.js';
import { answerUnknownPaths, type DialectManifest } from './http/dialects/manifest.js';
import { DIALECT_MODULES } from './http/dialects/registry.js';
import { adminConsole } from './http/console.js';
import { declareSharedStatuses, ErrorBody } from './http/schemas.js';
import { SessionBody } from './http/native/auth/schemas.js';
import { createServices, type AppServices, type Runtime } from './services.js';
import { createMetrics } from './metrics/registry.js';
import { observeServices } from './metrics/observe.js';

export { VERSION } from './version.js';

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

/** Says where the secrets came from: "generated" only when this start generated them. */
function logSecrets(log: FastifyBaseLogger, config: Config, secrets: Secrets): void {
  const dir = `${config.dataDir}/secrets`;
  if (secrets.generated.length) log.info(`embedded mode: generated ${secrets.generated.join(' and ')} into ${dir}`);
  if (secrets.fromDataDir.length) log.info(`embedded mode: read ${secrets.fromDataDir.join(' and ')} from ${dir}`);
  const local = [...secrets.generated, ...secrets.fromDataDir];
  // Without JWT_KEY the signing keys live in the database, so only COOKIE_SECRET must be shared.
  if (config.database.kind === 'postgres' && local.includes('COOKIE_SECRET')) {
    log.warn(
      `COOKIE_SECRET comes from ${dir} of this instance: several instances on one PostgreSQL database must share ` +
        `it (set COOKIE_SECRET${config.jwt.key === undefined ? '' : ' and JWT_KEY'} in every instance's ` +
        'environment), or their cookies, MFA secrets and signing keys do not work across instances',
    );
  }
}

/**
 * Standard output for request lines: written in chunks of whole lines (at least every 200 ms), not
 * one write(2) per request; what is waiting is written when the app closes.
 */
function batchedStdout(app: FastifyInstance) {
  const out = destination({ dest: 1, sync: false });
  const lines = lineBatcher(out);
  app.addHook('onClose', async () => {
    lines.close();
    try {
      out.flushSync();
    } catch {
      /* a write in flight: its lines are on their way */
    }
  });
  return lines;
}

/** Builds the whole application: database (migrated), services and routes. Does not listen. */
export async function buildApp(
  config: Config,
  opts: BuildOptions = {},
): Promise<FastifyInstance & { services: AppServices }> {
  const secrets = await resolveSecrets(config);
  // LOG_FORMAT: readable lines on a terminal, JSON otherwise (or as configured).
  const pretty = opts.logStream ? undefined : await prettyLogStream(config.operators.logFormat);
  const stream = opts.logStream ?? pretty ?? destination(1);
  const logger = pino({ level: config.server.logLevel, redact: { paths: REDACT, censor: '[REDACTED]' } }, stream);
  const db = openDatabase(config.database);
  let services: AppServices;
  try {
    await migrateToLatest(db);
    const core = await createServices(config, secrets, db, { ...opts, log: logger });
    // Before the first request, so that the first unknown login costs what any other does.
    await core.hasher.prepare();
    // The Prometheus registry is the server's alone: CLI calls, which create the services too, never load prom-client.
    const metrics = createMetrics(db);
    observeServices(metrics, core);
    services = { ...core, metrics };
  } catch (err) {
    await db.close();
    throw err;
  }

  /** The error handler of the dialect owning each claimed prefix, longest prefix first. */
  const prefixOwners: [string, FastifyInstance['errorHandler']][] = [];
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    disableRequestLogging: true,
    childLoggerFactory: lazyRequestLogger,
    trustProxy: config.server.trustProxy,
    bodyLimit: config.server.bodyLimit,
    // Requests arriving while closing are refused by registerClosing, in each route's own envelope.
    return503OnClosing: false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, useDefaults: true } },
    // Errors the router raises before any route (a URL that is not valid UTF-8…): in the envelope of the dialect that
    // owns the path's prefix, as its unknown paths are, else in the native one.
    frameworkErrors: (error, request, reply) => {
      const owner = prefixOwners.find(([prefix]) => request.url.startsWith(prefix));
      if (owner) return owner[1](error, request, reply);
      return sendError(reply, request, nativeEnvelope, toAppError(error) ?? errors.internal());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only, unless a route family adds its own parser: text/plain would otherwise reach schemas as a string.
  app.removeContentTypeParser('text/plain');
  app.decorate('services', services);
  recordRouteSchemas(app);
  app.decorateRequest('principal', null);
  app.addSchema(ErrorBody);
  app.addSchema(SessionBody);
  registerNativeErrors(app);
  declareSharedStatuses(app);
  if (config.server.logRequests)
    registerRequestLog(app, pino({ level: config.server.logLevel }, opts.logStream ?? pretty ?? batchedStdout(app)));
  registerClosing(app);
  registerRequestMetrics(app, services);
  logSecrets(app.log, config, secrets);
  app.log.info(`emails go to ${services.mailer.describe}`);

  await app.register(cookie, { secret: secrets.cookieSecret });
  await registerSecurityHeaders(app, { https: config.server.url.startsWith('https:') });
  await registerCors(app, config.cors);
  await registerOpenApi(app, VERSION, config.server.url);
  registerHealthRoutes(app, services, VERSION);
  registerMetricsRoute(app, services);
  registerHomePage(app, config);
  await registerIdentityProvider(app, services);
  registerSetupRoutes(app, services);
  await app.register(async (scope) => adminApi(scope.withTypeProvider<TypeBoxTypeProvider>(), services), {
    prefix: '/admin',
  });
  if (config.console.enabled)
    await app.register(async (scope) => adminConsole(scope.withTypeProvider<TypeBoxTypeProvider>()));
  const claimed = new Set<string>();
  for (const dialect of DIALECT_MODULES) {
    if (!config.dialects.includes(dialect.id)) continue;
    const settings = config[dialect.id] as never;
    const before = new Set(services.credentials.registered());
    // Unknown paths under a dialect's prefixes get its own 404 (the first dialect to declare a prefix keeps it).
    const prefixes = ((dialect as DialectManifest).prefixes ?? []).filter((p) => !claimed.has(p));
    for (const prefix of prefixes) claimed.add(prefix);
    await app.register(async (scope) => {
      const typed = scope.withTypeProvider<TypeBoxTypeProvider>();
      await dialect.register(typed, services, settings);
      answerUnknownPaths(typed, prefixes, (dialect as DialectManifest).unknownPathStatuses);
      for (const prefix of prefixes) prefixOwners.push([prefix, typed.errorHandler]);
      prefixOwners.sort(([a], [b]) => b.length - a.length);
    });
    // A dialect issues only the credential kinds its manifest declares.
    const undeclared = services.credentials
      .registered()
      .filter((k) => !before.has(k) && !dialect.tokenKinds.includes(k));
    if (undeclared.length)
      throw new Error(`dialect ${dialect.id} registers undeclared credential kinds: ${undeclared}`);
  }

  // Expired rows are dropped in the background; the timer never keeps the process alive.
  const housekeeping = setInterval(() => {
    // Never rejects: each table's failure is logged by the run, which goes on with the others.
    void services.housekeeping.run();
    void services.keys.prune().catch((err) => app.log.warn({ err }, 'pruning signing keys failed'));
    void services.dialectKeys
      .prune()
      .catch((err) => app.log.warn({ err }, "pruning the dialects' signing keys failed"));
  }, 10 * 60_000);
  housekeeping.unref();
  // DIRECTORY_SYNC_MINUTES: users gone from their directory lose their sessions (each instance runs it; it is
  // idempotent).
  const { syncMinutes } = config.federation;
  const directorySync =
    syncMinutes > 0
      ? setInterval(
          () => void services.directories.sync().catch((err) => app.log.warn({ err }, 'directory check failed')),
          syncMinutes * 60_000,
        )
      : undefined;
  directorySync?.unref();

  app.addHook('onClose', async () => {
    clearInterval(housekeeping);
    clearInterval(directorySync);
    await services.background.drain();
    services.mailer.close();
    await services.limits?.close();
    await db.close();
  });
  return app as unknown as FastifyInstance & { services: AppServices };
}
