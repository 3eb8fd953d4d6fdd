import type { Config } from '../../config/load.js';
import { enforceLimit, type RateLimitStore } from '../throttle/rate-limiter.js';
import type { LoginAttempt } from './attempt.js';

/** The login's rate-limit windows: per IP (shared and per door) and per account. */
export function loginLimits(limits: RateLimitStore | undefined, config: Config['rateLimit']) {
  const { windowSeconds, authPerIp, authPerAccount } = config;
  return {
    /**
     * Counts the attempt in the shared and the door's per-IP windows; an exhausted one refuses it. Returns the keys
     * counted.
     */
    async limitIp(a: LoginAttempt): Promise<string[]> {
      const ip = a.client.ip ?? 'unknown';
      const keys = [await enforceLimit(limits, { name: 'login-ip', max: authPerIp, windowSeconds }, ip)];
      if (a.doorLimit)
        keys.push(
          await enforceLimit(
            limits,
            { name: `login-${a.door}-ip`, max: a.doorLimit.max, windowSeconds },
            ip,
            a.doorLimit.report,
          ),
        );
      return keys.filter((k): k is string => k !== undefined);
    },

    /** The per-account window, keyed by the account when it exists, else by the login name. */
    async limitAccount(accountKey: string): Promise<string[]> {
      const key = await enforceLimit(limits, { name: 'login-account', max: authPerAccount, windowSeconds }, accountKey);
      return key ? [key] : [];
    },
  };
}
