import { createRequire } from 'node:module';
import type { LogFn, Logger } from 'pino';
import type { CoreLog } from './core/log.js';

/**
 * The services' log when no logger is given (a CLI call): pino at `warn` on standard output, loaded with the
 * first line written. Loading pino (sonic-boom, thread-stream, worker_threads) cost a CLI call about 70 ms, and
 * almost no call writes a line.
 */
export function lazyWarnLog(): CoreLog {
  let log: Logger | undefined;
  const made = () => {
    log ??= (createRequire(import.meta.url)('pino') as typeof import('pino')).pino({ level: 'warn' });
    return log;
  };
  const line = (level: 'warn' | 'error'): LogFn =>
    ((...args: unknown[]) => {
      const to = made();
      (to[level] as (...a: unknown[]) => void).apply(to, args);
    }) as LogFn;
  return { warn: line('warn'), error: line('error') };
}
