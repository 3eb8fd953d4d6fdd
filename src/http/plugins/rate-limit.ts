import type { FastifyReply, FastifyRequest } from 'fastify';
import { enforceLimit, type LimitRule as CoreRule, type RateLimitStore } from '../../core/throttle/rate-limiter.js';

export interface LimitRule extends CoreRule {
  /** The counted subject (IP, account…); `undefined` skips the rule for this request. */
  key(request: FastifyRequest): string | undefined;
}

/** Counts one hit of `subject` under a rule; throws 429 with Retry-After once the rule is exhausted. */
export async function enforce(store: RateLimitStore | undefined, rule: CoreRule, subject: string): Promise<void> {
  await enforceLimit(store, rule, subject);
}

/** A preHandler enforcing every rule; the first exhausted rule answers. */
export function rateLimit(store: RateLimitStore | undefined, rules: LimitRule[]) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    for (const rule of rules) {
      const subject = rule.key(request);
      if (subject !== undefined) await enforceLimit(store, rule, subject);
    }
  };
}
