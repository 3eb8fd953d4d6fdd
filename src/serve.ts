import { constants } from 'node:os';
import { buildApp } from './app.js';
import { announceStart } from './announce.js';
import type { Config } from './config/load.js';
import { checkWrittenPaths } from './config/paths-check.js';
import { wantsPretty } from './log-format.js';
import { describeSweep } from './storage/sweep.js';

/** A sweep at start, then every STORAGE_SWEEP_INTERVAL minutes (never two at once); none when it is 0. */
function startStorageSweeps(app: Awaited<ReturnType<typeof buildApp>>, minutes: number) {
  if (minutes === 0) return () => undefined;
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const report = await app.services.storage.sweep();
      app.log.info(describeSweep(report));
      if (report.missing.length)
        app.log.warn(
          { files: report.missing.slice(0, 100) },
          `${report.missing.length} file(s) point to an object that is gone`,
        );
    } catch (err) {
      app.log.warn({ err }, 'storage sweep failed; the next one will try again');
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), minutes * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * `gatehouse serve`: listen, and stop within SHUTDOWN_TIMEOUT on SIGTERM or SIGINT.
 * A stop refuses new requests, lets in-flight ones finish (answered with `Connection: close`),
 * closes idle keep-alive sockets at once, and at the deadline cuts whatever is left and
 * exits 0 all the same. A second signal exits at once.
 */
export async function serve(config: Config) {
  checkWrittenPaths(config);
  const app = await buildApp(config);
  const log = app.log;
  const timeoutMs = config.server.shutdownTimeoutSeconds * 1000;
  let stoppingSince: number | undefined;
  let stopSweeps: () => void = () => undefined;

  let finished = false;
  const finish = (how: string, code = 0) => {
    if (finished) return;
    finished = true;
    log.info(`Gatehouse stopped after ${Date.now() - stoppingSince!} ms: ${how}`);
    // Log lines are written asynchronously: flushed first, so this one really is the last.
    setTimeout(() => process.exit(code), 500);
    (log as unknown as { flush(cb: () => void): void }).flush(() => process.exit(code));
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      log.warn(`${signal} again: exiting at once`);
      process.exit(128 + constants.signals[signal]);
    }
    stoppingSince = Date.now();
    log.info(`${signal}: shutting down (at most ${config.server.shutdownTimeoutSeconds} s)`);
    stopSweeps();
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
  // The setup link reaches a terminal even when the log is JSON piped elsewhere.
  const terminal = process.stderr.isTTY && !wantsPretty(config.operators.logFormat) ? process.stderr : undefined;
  await announceStart(app.services, config, log, terminal);
  stopSweeps = startStorageSweeps(app, config.storage.sweepIntervalMinutes);
}
