import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { RateLimitStore } from '../../core/throttle/rate-limiter.js';

export interface LimitRule {
  /** Distinguishes the counters of different rules in a shared store. */
  name: string;
  max: number;
  windowSeconds: number;
  /** The counted subject (IP, account…); `undefined` skips the rule for this request. */
  key(request: FastifyRequest): string | undefined;
}

/** Counts one hit of `subject` under a rule; throws 429 with Retry-After once the rule is exhausted. */
export async function enforce(store: RateLimitStore | undefined, rule: Omit<LimitRule, 'key'>, subject: string): Promise<void> {
  if (!store) return;
  const hit = await store.hit(`${rule.name}:${subject}`, rule.windowSeconds * 1000);
  if (hit.count > rule.max) throw errors.rateLimited(hit.resetInMs / 1000);
}

/** A preHandler enforcing every rule; the first exhausted rule answers. */
export function rateLimit(store: RateLimitStore | undefined, rules: LimitRule[]) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    for (const rule of rules) {
      const subject = rule.key(request);
      if (subject !== undefined) await enforce(store, rule, subject);
    }
  };
}
