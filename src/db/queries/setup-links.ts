import type { Kysely } from 'kysely';
import { toDate, toDateOrNull } from '../dialect.js';
import type { Database } from '../types.js';

export interface SetupLinkRow {
  expiresAt: Date;
  claimedUntil: Date | null;
}

/** First-run setup links, by the hash of their token only (migration 0029). */
export function createSetupLinkQueries(db: Kysely<Database>) {
  return {
    async insert(hash: string, expiresAt: Date, now: Date): Promise<void> {
      await db.insertInto('setup_links').values({ hash, expires_at: expiresAt, created_at: now }).execute();
    },

    async find(hash: string): Promise<SetupLinkRow | undefined> {
      const row = await db
        .selectFrom('setup_links')
        .select(['expires_at', 'claimed_until'])
        .where('hash', '=', hash)
        .executeTakeFirst();
      return row && { expiresAt: toDate(row.expires_at), claimedUntil: toDateOrNull(row.claimed_until) };
    },

    /** Whether any link is still usable at `now`. */
    async anyLive(now: Date): Promise<boolean> {
      const row = await db.selectFrom('setup_links').select('hash').where('expires_at', '>', now).executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Claims every live link that nobody holds, until `until`: one statement, so that of two instances using
     * links at once, one claims them and the other finds them held. Returns how many it claimed.
     */
    async claimAll(now: Date, until: Date): Promise<number> {
      const result = await db
        .updateTable('setup_links')
        .set({ claimed_until: until })
        .where('expires_at', '>', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Gives back the links of the claim that held them until `until` (the admin was not created). */
    async release(until: Date): Promise<void> {
      await db.updateTable('setup_links').set({ claimed_until: null }).where('claimed_until', '=', until).execute();
    },

    async remove(hash: string): Promise<void> {
      await db.deleteFrom('setup_links').where('hash', '=', hash).execute();
    },

    /** Expired links (`now` given), or every link (an admin exists: none may be used again). */
    async clear(now?: Date): Promise<void> {
      const q = db.deleteFrom('setup_links');
      await (now ? q.where('expires_at', '<=', now) : q).execute();
    },
  };
}
