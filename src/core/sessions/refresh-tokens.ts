import type { Queries } from '../../db/queries/index.js';
import type { UserWithRoles } from '../../db/queries/users.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { hmac, sha256 } from '../hash.js';

import type { ClientInfo, SessionRegistry } from './registry.js';

export type { ClientInfo } from './registry.js';

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
}

export interface RefreshTokenOptions {
  queries: Queries;
  clock: Clock;
  random: Random;
  lifetimeMinutes: number;
  graceSeconds: number;
  /** Server secret from which successors are derived. */
  successorKey: Buffer;
  /**
   * Ends the whole session (the registry's revoke) when a rotated token comes back: the thief or
   * the victim holds a copy, so the session's access tokens and other credentials must die too.
   */
  endSession: (sessionId: string, userId: string) => Promise<unknown>;
  /** The registry, which opens every session (this one with its first refresh token). */
  sessions: Pick<SessionRegistry, 'open'>;
}

/**
 * Opaque refresh tokens (256 random bits), stored as SHA-256 hashes, rotating in families.
 *
 * The successor of a token is HMAC(serverKey, token): only a holder of the token can know
 * it, the database never holds it in clear, and concurrent rotations of the same token
 * within the grace window all compute, and receive, the same successor.
 */
export function createRefreshTokens(opts: RefreshTokenOptions) {
  const { queries, clock } = opts;
  const lifetimeMs = opts.lifetimeMinutes * 60_000;

  async function reused(familyId: string, userId: string): Promise<never> {
    await opts.endSession(familyId, userId);
    throw errors.refreshTokenReused();
  }

  return {
    /**
     * Opens a session of the registry (sessions/registry.ts) through `door`, with its first
     * token, in one statement: the token's family is the session, which lives as long as it.
     */
    /** `proven: false` for a session opened without a secret (a personal token's): it starts unproven. */
    async open(
      userId: string,
      door: string,
      client: ClientInfo,
      o: { proven?: boolean } = {},
    ): Promise<IssuedRefreshToken> {
      const token = opts.random.bytes(32).toString('base64url');
      const session = await opts.sessions.open(userId, door, client, lifetimeMs, {
        refreshTokenHash: sha256(token),
        proven: o.proven,
      });
      return { token, familyId: session.id, userId, expiresAt: session.expiresAt };
    },

    /**
     * Exchanges a token for its successor; reuse after the grace window revokes the family.
     * `admit` (per-account rate limits) learns whose token it is from the claim itself, so
     * the rotation needs no read before its write; if `admit` throws, a fresh claim is undone,
     * and the token stays usable.
     */
    async rotate(
      token: string,
      client: ClientInfo,
      admit?: (userId: string) => Promise<void>,
    ): Promise<IssuedRefreshToken & { user: UserWithRoles }> {
      const hash = sha256(token);
      const successor = hmac(opts.successorKey, token);
      const successorHash = sha256(successor);
      const now = clock.now();
      const graceStart = new Date(now.getTime() - opts.graceSeconds * 1000);
      const expiresAt = new Date(now.getTime() + lifetimeMs);

      const { before, claimed } = await queries.refreshTokens.claim({
        hash,
        successorHash,
        now,
        graceStart,
        expiresAt,
        ...client,
      });
      if (!before || before.revokedAt || before.expiresAt <= now) throw errors.invalidRefreshToken();
      if (!claimed) {
        if (before.rotatedAt && before.rotatedAt <= graceStart) return reused(before.familyId, before.userId);
        // Lost a race with a revocation or the end of the grace window: decide as above, on fresh state.
        const fresh = await queries.refreshTokens.find(hash);
        if (fresh?.rotatedAt && !fresh.revokedAt) return reused(fresh.familyId, fresh.userId);
        throw errors.invalidRefreshToken();
      }
      try {
        await admit?.(before.userId);
      } catch (err) {
        // Only a claim that rotated the token undoes it; a repeat within the grace window changed nothing.
        if (!before.rotatedAt) await queries.refreshTokens.unclaim(hash, successorHash);
        throw err;
      }
      return { token: successor, familyId: before.familyId, userId: before.userId, expiresAt, user: before.user };
    },

    /** The live session a token belongs to, without rotating it. */
    async identify(token: string): Promise<{ userId: string; familyId: string } | undefined> {
      const state = await queries.refreshTokens.find(sha256(token));
      if (!state || state.revokedAt || state.expiresAt <= clock.now()) return undefined;
      return { userId: state.userId, familyId: state.familyId };
    },
  };
}

export type RefreshTokens = ReturnType<typeof createRefreshTokens>;
