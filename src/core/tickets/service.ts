import type { Queries } from '../../db/queries/index.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';

export type TicketPurpose =
  | 'activation'
  | 'magic-link'
  | 'password-reset'
  | 'email-change'
  | 'email-change-undo'
  | 'mfa'
  | 'email-code';

/**
 * How a ticket is written: `opaque` (256 random bits, base64url) or `uuid` (a random UUID, 122 bits) for wire
 * formats that fix that shape (hasura-auth's clients refuse an MFA ticket that is not `mfaTotp:<uuid>`).
 */
export type TicketShape = 'opaque' | 'uuid';

export const invalidTicket = () => errors.invalidTicket();

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

    /**
     * A short code (6 digits) for a user, mailed rather than linked (hasura-auth's email one-time codes). It is
     * stored hashed with its user and purpose, replaces the user's previous one, and expires like any ticket.
     */
    async issueCode(
      purpose: TicketPurpose,
      user: { id: string; email: string },
      data: Record<string, unknown> | null = null,
    ): Promise<string> {
      const code = String(opts.random.bytes(4).readUInt32BE(0) % 1_000_000).padStart(6, '0');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + opts.minutes[purpose] * 60_000);
      const hash = sha256(`${purpose}:${user.id}:${code}`);
      await queries.tickets.replace({ hash, purpose, userId: user.id, email: user.email, data, now, expiresAt });
      return code;
    },

    /** Uses a user's code once; a wrong one counts against the live code, which `maxAttempts` misses void. */
    async useCode(purpose: TicketPurpose, userId: string, code: string, maxAttempts: number) {
      const now = clock.now();
      const ticket = await queries.tickets.consumeWithin(
        sha256(`${purpose}:${userId}:${code}`),
        purpose,
        now,
        maxAttempts,
      );
      if (ticket) return ticket;
      await queries.tickets.miss(userId, purpose, now);
      throw invalidTicket();
    },

    /** A live ticket of this purpose, read without using it or counting a try; undefined when none. */
    peek: (purpose: TicketPurpose, token: string) => queries.tickets.peek(sha256(token), purpose, clock.now()),

    /** For tickets that allow a few tries (MFA): counts the try before the caller checks the code. */
    async attempt(purpose: TicketPurpose, token: string, maxAttempts: number) {
      const ticket = await queries.tickets.attempt(sha256(token), purpose, clock.now(), maxAttempts);
      if (!ticket) throw invalidTicket();
      return ticket;
    },
  };
}

export type Tickets = ReturnType<typeof createTickets>;
