import type { Queries } from '../../db/queries/index.js';
import type { Clock, Random } from '../clock.js';
import { errors } from '../errors.js';
import { sha256 } from '../hash.js';

/** What a challenge was issued for: a ceremony of one kind, never accepted as another. */
export type Ceremony = 'signup' | 'register' | 'login' | 'second-factor' | 'elevate';

/** Who a challenge is bound to: a user, and their session (or the hash of their MFA ticket). */
export interface Binding {
  userId: string | null;
  sessionId: string | null;
  userVerification: boolean;
}

/** The challenge the client signed, read from its clientDataJSON (base64url JSON); undefined when unreadable. */
export function challengeOf(clientDataJSON: unknown): string | undefined {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 8192) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' ? parsed.challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ceremony challenges: 32 random bytes, stored as a SHA-256 hash with their ceremony and binding,
 * expiring after WEBAUTHN_CHALLENGE_SECONDS and taken (deleted) by the first verification that
 * presents them, whatever its outcome: a challenge is never checked twice.
 */
export function createChallenges(o: { queries: Queries; clock: Clock; random: Random; seconds: number }) {
  return {
    async issue(ceremony: Ceremony, binding: Binding, data: Record<string, unknown> | null = null): Promise<string> {
      const challenge = o.random.bytes(32).toString('base64url');
      const now = o.clock.now();
      await o.queries.webauthnChallenges.insert({
        hash: sha256(challenge),
        purpose: ceremony,
        ...binding,
        data,
        now,
        expiresAt: new Date(now.getTime() + o.seconds * 1000),
      });
      return challenge;
    },

    /**
     * Takes the challenge a response signed: refused (400 invalid-challenge) when it was not issued
     * for this ceremony, is gone (used or expired), or is bound to another user or session.
     */
    async take(ceremony: Ceremony, clientDataJSON: unknown, bound: Partial<Binding> = {}) {
      const challenge = challengeOf(clientDataJSON);
      if (challenge === undefined) throw errors.invalidChallenge();
      const row = await o.queries.webauthnChallenges.take(sha256(challenge), ceremony, o.clock.now());
      if (!row) throw errors.invalidChallenge();
      if (bound.userId !== undefined && row.userId !== bound.userId) throw errors.invalidChallenge();
      if (bound.sessionId !== undefined && row.sessionId !== bound.sessionId) throw errors.invalidChallenge();
      return { challenge, ...row };
    },
  };
}

export type Challenges = ReturnType<typeof createChallenges>;
