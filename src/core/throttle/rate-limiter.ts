import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { errors } from '../errors.js';

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
  const windows = new LRUCache<string, { count: number; resetAt: number }>({ max: maxKeys });
  return {
    async hit(key, windowMs) {
      const now = clock.now().getTime();
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + windowMs };
        windows.set(key, w);
      }
      w.count += 1;
      return { count: w.count, resetInMs: w.resetAt - now };
    },
    async undo(key) {
      const w = windows.get(key);
      if (w && w.count > 0) w.count -= 1;
    },
    close: async () => undefined,
  };
}

// INCR and set the expiry of a new window in one round trip, atomically.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

// Decrements only a live window: an expired key must not come back without an expiry.
const UNDO_SCRIPT = `if redis.call('PTTL', KEYS[1]) > 0 then redis.call('DECR', KEYS[1]) end return 0`;

/** Shared counters for several instances behind a load balancer. */
export function createRedisStore(url: string, prefix = 'gatehouse:rl:'): RateLimitStore {
  // Loaded here, not at import: a server or CLI call without Redis does not pay for it.
  const { Redis } = createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClient };
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  redis.on('error', () => undefined); // reported through failing hits, not as process crashes
  return {
    async hit(key, windowMs) {
      const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, prefix + key, String(windowMs))) as [number, number];
      return { count, resetInMs: ttl > 0 ? ttl : windowMs };
    },
    async undo(key) {
      await redis.eval(UNDO_SCRIPT, 1, prefix + key);
    },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
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
