import type { Queries } from '../../db/queries/index.js';
import type { UserWithRoles } from '../../db/queries/users.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { hmac, sha256 } from '../hash.js';

import type { ClientInfo } from './registry.js';

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

  async function reused(familyId: string, now: Date): Promise<never> {
    await queries.refreshTokens.revokeFamily(familyId, now);
    throw errors.refreshTokenReused();
  }

  return {
    /** The first token of a session: its family is the session (see sessions/registry.ts). */
    async issue(userId: string, client: ClientInfo, familyId: string): Promise<IssuedRefreshToken> {
      const token = opts.random.bytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + lifetimeMs);
      await queries.refreshTokens.insert({ hash: sha256(token), familyId, userId, expiresAt, now, ...client });
      return { token, familyId, userId, expiresAt };
    },

    /**
     * Exchanges a token for its successor; reuse after the grace window revokes the family.
     * `admit` runs before the rotation commits (per-account rate limits); if it throws,
     * nothing changes and the token stays usable.
     */
    async rotate(token: string, client: ClientInfo, admit?: (userId: string) => Promise<void>): Promise<IssuedRefreshToken & { user: UserWithRoles }> {
      const hash = sha256(token);
      const successor = hmac(opts.successorKey, token);
      const successorHash = sha256(successor);
      const now = clock.now();
      const graceStart = new Date(now.getTime() - opts.graceSeconds * 1000);
      const expiresAt = new Date(now.getTime() + lifetimeMs);

      // A read first: refuses dead tokens and detects reuse without taking a lock, and tells
      // whose token it is, so that `admit` can refuse before anything changes.
      const state = await queries.refreshTokens.findWithUser(hash);
      if (!state || state.revokedAt || state.expiresAt <= now) throw errors.invalidRefreshToken();
      if (state.rotatedAt && state.rotatedAt <= graceStart) return reused(state.familyId, now);
      await admit?.(state.userId);

      const claimed = await queries.refreshTokens.rotate({ hash, successorHash, now, graceStart, expiresAt, ...client });
      if (claimed) return { token: successor, familyId: claimed.familyId, userId: claimed.userId, expiresAt, user: state.user };
      // Lost a race with a revocation or the end of the grace window: decide as above, on fresh state.
      const fresh = await queries.refreshTokens.find(hash);
      if (fresh?.rotatedAt && !fresh.revokedAt) return reused(fresh.familyId, now);
      throw errors.invalidRefreshToken();
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
