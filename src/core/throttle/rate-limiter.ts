import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';
import { lazy } from '../lazy.js';

export interface Hit {
  count: number;
  /** Milliseconds until the current window ends. */
  resetInMs: number;
}

/** Fixed-window counters. One store serves every limit; keys carry the limit's name. */
export interface RateLimitStore {
  hit(key: string, windowMs: number): Promise<Hit>;
  /** Gives back one hit of the current window (a request that turned out not to count). */
  undo(key: string): Promise<void>;
  close(): Promise<void>;
}

export function createMemoryStore(clock: Clock, maxKeys = 100_000): RateLimitStore {
  const windows = lazy(() => new LRUCache<string, { count: number; resetAt: number }>({ max: maxKeys }));
  return {
    async hit(key, windowMs) {
      const now = clock.now().getTime();
      let w = windows().get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + windowMs };
        windows().set(key, w);
      }
      w.count += 1;
      return { count: w.count, resetInMs: w.resetAt - now };
    },
    async undo(key) {
      const w = windows.peek()?.get(key);
      if (w && w.count > 0) w.count -= 1;
    },
    close: async () => undefined,
  };
}

export interface LimitRule {
  /** Distinguishes the counters of different rules in a shared store. */
  name: string;
  max: number;
  windowSeconds: number;
}

/** What a client may be told of a window (Rocket.Chat's X-RateLimit-* headers). */
export interface LimitInfo {
  limit: number;
  remaining: number;
  resetAt: number;
}

/**
 * Counts one hit of `subject` under a rule; throws 429 with Retry-After once the rule is
 * exhausted. Returns the counter's key (for `undo`), or undefined when limits are off.
 */
export async function enforceLimit(
  store: RateLimitStore | undefined,
  rule: LimitRule,
  subject: string,
  report?: (info: LimitInfo) => void,
): Promise<string | undefined> {
  if (!store) return undefined;
  const key = `${rule.name}:${subject}`;
  const hit = await store.hit(key, rule.windowSeconds * 1000);
  report?.({ limit: rule.max, remaining: Math.max(0, rule.max - hit.count), resetAt: Date.now() + hit.resetInMs });
  if (hit.count > rule.max) throw errors.rateLimited(hit.resetInMs / 1000);
  return key;
}
