import type { Kysely } from 'kysely';
import { toBool, toDate, toJson, type DialectName } from '../dialect.js';
import { expiredRows } from './expired-rows.js';
import type { Database } from '../types.js';

export interface ChallengeRow {
  purpose: string;
  userId: string | null;
  sessionId: string | null;
  userVerification: boolean;
  data: Record<string, unknown> | null;
}

/** WebAuthn challenges in flight, by the hash of the challenge: taken once, never after they expire. */
export function createWebauthnChallengeQueries(db: Kysely<Database>, dialect: DialectName) {
  return {
    async insert(c: ChallengeRow & { hash: string; now: Date; expiresAt: Date }): Promise<void> {
      await db
        .insertInto('webauthn_challenges')
        .values({
          hash: c.hash,
          purpose: c.purpose,
          user_id: c.userId,
          session_id: c.sessionId,
          user_verification: c.userVerification,
          data: c.data && JSON.stringify(c.data),
          expires_at: c.expiresAt,
          created_at: c.now,
        })
        .execute();
    },

    /** Deletes the challenge and answers it when it was there, of this purpose and alive: one taker wins. */
    async take(hash: string, purpose: string, now: Date): Promise<ChallengeRow | undefined> {
      const row = await db
        .deleteFrom('webauthn_challenges')
        .where('hash', '=', hash)
        .returning(['purpose', 'user_id', 'session_id', 'user_verification', 'data', 'expires_at'])
        .executeTakeFirst();
      if (!row || row.purpose !== purpose || toDate(row.expires_at) <= now) return undefined;
      return {
        purpose: row.purpose,
        userId: row.user_id,
        sessionId: row.session_id,
        userVerification: toBool(row.user_verification),
        data: row.data === null ? null : toJson(row.data),
      };
    },

    expired: expiredRows(db, dialect, 'webauthn_challenges', 'hash', 'expires_at'),
  };
}

export type WebauthnChallengeQueries = ReturnType<typeof createWebauthnChallengeQueries>;
