import { constants } from 'node:os';
import { buildApp, VERSION } from './app.js';
import type { Config } from './config/load.js';

/**
 * `gatehouse serve`: listen, and stop within SHUTDOWN_TIMEOUT on SIGTERM or SIGINT.
 * A stop refuses new requests, lets in-flight ones finish (answered with `Connection: close`),
 * closes idle keep-alive sockets at once, and at the deadline cuts whatever is left and
 * exits 0 all the same. A second signal exits at once.
 */
export async function serve(config: Config) {
  const app = await buildApp(config);
  const log = app.log;
  const timeoutMs = config.server.shutdownTimeoutSeconds * 1000;
  let stoppingSince: number | undefined;

  const finish = (how: string, code = 0) => {
    log.info(`Gatehouse stopped after ${Date.now() - stoppingSince!} ms: ${how}`);
    process.exit(code);
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      log.warn(`${signal} again: exiting at once`);
      process.exit(128 + constants.signals[signal]);
    }
    stoppingSince = Date.now();
    log.info(`${signal}: shutting down (at most ${config.server.shutdownTimeoutSeconds} s)`);
    setTimeout(() => {
      app.server.closeAllConnections();
      finish(`SHUTDOWN_TIMEOUT of ${config.server.shutdownTimeoutSeconds} s reached, unfinished requests cut`);
    }, timeoutMs);
    app.close().then(
      () => finish('every request answered'),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        finish('shutdown failed', 1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  await app.listen({ port: config.server.port, host: config.server.host });
  const where = config.database.kind === 'sqlite' ? `SQLite at ${config.database.file}` : 'PostgreSQL';
  log.info(`Gatehouse ${VERSION} on ${where}; docs at ${config.server.url}/docs`);
}
