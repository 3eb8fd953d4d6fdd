import { Redis } from 'ioredis';
import type { RateLimitStore } from './rate-limiter.js';

// INCR and set the expiry of a new window in one round trip, atomically.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

// Decrements only a live window: an expired key must not come back without an expiry.
const UNDO_SCRIPT = `if redis.call('PTTL', KEYS[1]) > 0 then redis.call('DECR', KEYS[1]) end return 0`;

/** Shared counters for several instances behind a load balancer. */
export function createRedisStore(url: string, prefix = 'gatehouse:rl:'): RateLimitStore {
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
