import type { Kysely } from 'kysely';
import { toDate, toDateOrNull } from '../dialect.js';
import type { Database } from '../types.js';

export interface AppPasswordRow {
  id: string;
  userId: string;
  door: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = ['id', 'user_id', 'door', 'name', 'created_at', 'last_used_at', 'revoked_at'] as const;

const toRow = (r: Record<(typeof COLUMNS)[number], unknown>): AppPasswordRow => ({
  id: String(r.id),
  userId: String(r.user_id),
  door: String(r.door),
  name: String(r.name),
  createdAt: toDate(r.created_at),
  lastUsedAt: toDateOrNull(r.last_used_at),
  revokedAt: toDateOrNull(r.revoked_at),
});

/** App passwords: per-door secrets stored as SHA-256 hashes, revoked rather than deleted (the list keeps them). */
export function createAppPasswordQueries(db: Kysely<Database>) {
  return {
    async insert(p: Omit<AppPasswordRow, 'lastUsedAt' | 'revokedAt'> & { hash: string }): Promise<void> {
      await db
        .insertInto('app_passwords')
        .values({ id: p.id, hash: p.hash, user_id: p.userId, door: p.door, name: p.name, created_at: p.createdAt })
        .execute();
    },

    async byHash(hash: string): Promise<AppPasswordRow | undefined> {
      const row = await db.selectFrom('app_passwords').select(COLUMNS).where('hash', '=', hash).executeTakeFirst();
      return row && toRow(row);
    },

    async listOf(userId: string): Promise<AppPasswordRow[]> {
      const rows = await db
        .selectFrom('app_passwords')
        .select(COLUMNS)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toRow);
    },

    async touch(id: string, now: Date): Promise<void> {
      await db.updateTable('app_passwords').set({ last_used_at: now }).where('id', '=', id).execute();
    },

    /** Revokes a live app password of this user; false when there is none by that id. */
    async revoke(userId: string, id: string, now: Date): Promise<AppPasswordRow | undefined> {
      const res = await db
        .updateTable('app_passwords')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning(COLUMNS)
        .executeTakeFirst();
      return res && toRow(res);
    },
  };
}
