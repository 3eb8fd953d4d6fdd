import type { FastifyRequest } from 'fastify';
import { sha256 } from '../../../core/hash.js';
import { normalizeEmail } from '../../../core/users/email.js';
import type { Services } from '../../../services.js';
import { rateLimit } from '../../plugins/rate-limit.js';

const HOUR = 3600;

/** Requests that send a link: limited per recipient address and per IP, whether or not the address has an account. */
export function mailLimits({ config, limits }: Services, addressOf: (request: FastifyRequest) => unknown) {
  return rateLimit(limits, [
    { name: 'mail-ip', max: config.rateLimit.emailPerIp, windowSeconds: HOUR, key: (r) => r.ip },
    {
      name: 'mail-address',
      max: config.rateLimit.emailPerAddress,
      windowSeconds: HOUR,
      key: (r) => {
        const address = addressOf(r);
        return typeof address === 'string' ? sha256(normalizeEmail(address)) : undefined;
      },
    },
  ]);
}

export const bodyEmail = (r: FastifyRequest) => (r.body as { email?: unknown } | undefined)?.email;
export const bodyNewEmail = (r: FastifyRequest) => (r.body as { new_email?: unknown } | undefined)?.new_email;
