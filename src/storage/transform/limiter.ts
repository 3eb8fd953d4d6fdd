import { errors } from '../../core/errors.js';

export interface Limiter {
  /** Runs `task` when a slot is free; refuses with 503 + Retry-After when the queue is full too. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks waiting for a slot now (a metrics gauge). */
  queued(): number;
}

/**
 * At most `concurrency` tasks at once and at most `queue` waiting: image work is CPU- and
 * memory-heavy, and an unbounded number of parallel transforms is how a few requests used
 * to take the server from 200 MiB to 2.5 GiB.
 */
export function createLimiter(opts: { concurrency: number; queue: number }): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    queued: () => waiting.length,
    async run(task) {
      if (running < opts.concurrency) running++;
      else if (waiting.length < opts.queue) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw errors.transformsBusy();
      try {
        return await task();
      } finally {
        // The slot passes to the next in line, or is freed.
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}
