import type { Queries } from '../../db/queries/index.js';
import type { Clock, Random } from '../clock.js';
import { AppError } from '../errors.js';
import { sha256 } from '../hash.js';

export type TicketPurpose =
  | 'activation'
  | 'magic-link'
  | 'password-reset'
  | 'email-change'
  | 'email-change-undo'
  | 'mfa';

/**
 * How a ticket is written: `opaque` (256 random bits, base64url) or `uuid` (a random UUID, 122 bits) for wire
 * formats that fix that shape (hasura-auth's clients refuse an MFA ticket that is not `mfaTotp:<uuid>`).
 */
export type TicketShape = 'opaque' | 'uuid';

export const invalidTicket = () =>
  new AppError('invalid-ticket', 401, 'The ticket is invalid, expired or already used');

/**
 * One-time tickets: 256 random bits, stored as SHA-256 hashes, bound to a purpose and
 * a user, expiring, and consumed atomically. A ticket of one purpose is never accepted
 * as another, because the purpose is part of every lookup.
 */
export function createTickets(opts: {
  queries: Queries;
  clock: Clock;
  random: Random;
  minutes: Record<TicketPurpose, number>;
}) {
  const { queries, clock } = opts;
  return {
    async issue(
      purpose: TicketPurpose,
      user: { id: string; email: string },
      data: Record<string, unknown> | null = null,
      shape: TicketShape = 'opaque',
    ): Promise<string> {
      const token = shape === 'uuid' ? opts.random.uuid() : opts.random.bytes(32).toString('base64url');
      const now = clock.now();
      await queries.tickets.replace({
        hash: sha256(token),
        purpose,
        userId: user.id,
        email: user.email,
        data,
        now,
        expiresAt: new Date(now.getTime() + opts.minutes[purpose] * 60_000),
      });
      return token;
    },

    async consume(purpose: TicketPurpose, token: string) {
      const ticket = await queries.tickets.consume(sha256(token), purpose, clock.now());
      if (!ticket) throw invalidTicket();
      return ticket;
    },

    /** For tickets that allow a few tries (MFA): counts the try before the caller checks the code. */
    async attempt(purpose: TicketPurpose, token: string, maxAttempts: number) {
      const ticket = await queries.tickets.attempt(sha256(token), purpose, clock.now(), maxAttempts);
      if (!ticket) throw invalidTicket();
      return ticket;
    },
  };
}

export type Tickets = ReturnType<typeof createTickets>;
