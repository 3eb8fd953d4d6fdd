import type { Queries } from '../../db/queries/index.js';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';

const HOUR_MS = 3_600_000;

export interface LoginAttempt {
  succeed(): Promise<void>;
  /** Leaves the attempt counted as a failure. */
  fail(): void;
}

/**
 * At most `maxPerHour` failed logins per key in any sliding hour. The attempt is
 * recorded before the password is checked, so concurrent guesses cannot overshoot
 * the limit; a success (or a refusal) removes its record. Counts live in the
 * database so that every instance sees the same numbers.
 */
export function createLoginThrottle(opts: { queries: Queries; clock: Clock; maxPerHour: number }) {
  const { queries, clock } = opts;
  return {
    async begin(key: string): Promise<LoginAttempt> {
      const now = clock.now();
      const id = await queries.loginFailures.add(key, now);
      const { count, oldest } = await queries.loginFailures.since(key, new Date(now.getTime() - HOUR_MS));
      if (count > opts.maxPerHour) {
        await queries.loginFailures.remove(id);
        const freesAt = (oldest ?? now).getTime() + HOUR_MS;
        throw errors.rateLimited((freesAt - now.getTime()) / 1000, 'Too many failed logins for this account, try again later');
      }
      return { succeed: () => queries.loginFailures.remove(id), fail: () => undefined };
    },

    prune: () => queries.loginFailures.prune(new Date(clock.now().getTime() - HOUR_MS)),
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
