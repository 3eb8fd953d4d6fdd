import type { FastifyRequest } from 'fastify';
import { sha256 } from '../../../core/hash.js';
import { normalizeEmail } from '../../../core/users/email.js';
import type { Services } from '../../../services.js';
import { enforce, rateLimit } from '../../plugins/rate-limit.js';

const emailOf = (request: FastifyRequest) => {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? sha256(normalizeEmail(email)) : undefined;
};

/** The abuse limits of the native auth routes, per IP and per account. */
export function authLimits({ config, limits }: Services) {
  const { windowSeconds, authPerIp, authPerAccount, refreshPerIp, refreshPerAccount } = config.rateLimit;
  return {
    credentials: rateLimit(limits, [
      { name: 'auth-ip', max: authPerIp, windowSeconds, key: (r) => r.ip },
      { name: 'auth-account', max: authPerAccount, windowSeconds, key: emailOf },
    ]),
    refresh: rateLimit(limits, [{ name: 'refresh-ip', max: refreshPerIp, windowSeconds, key: (r) => r.ip }]),
    /** Checked inside the rotation, once the account is known, so a refused refresh changes nothing. */
    refreshAccount: (userId: string) =>
      enforce(limits, { name: 'refresh-account', max: refreshPerAccount, windowSeconds }, userId),
  };
}
