import type { Kysely } from 'kysely';
import { toDate, toDateOrNull, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import type { Database } from '../types.js';

/** A link from a local user to an outside account: a directory entry or an OAuth/OIDC subject. */
export interface IdentityRow {
  provider: string;
  subject: string;
  userId: string;
  email: string | null;
  login: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Directory entries: when the periodic check found the entry gone (sessions ended then), else null. */
  missingSince: Date | null;
}

type Raw = {
  provider: string;
  subject: string;
  user_id: string;
  email: string | null;
  login: string | null;
  created_at: unknown;
  last_used_at: unknown;
  missing_since: unknown;
};
const toRow = (r: Raw): IdentityRow => ({
  provider: r.provider,
  subject: r.subject,
  userId: r.user_id,
  email: r.email,
  login: r.login,
  createdAt: toDate(r.created_at),
  lastUsedAt: toDateOrNull(r.last_used_at),
  missingSince: toDateOrNull(r.missing_since),
});

export function createUserIdentityQueries(db: Kysely<Database>, dialect: DialectName) {
  // Every password login asks whether a directory holds the user's password: prepared once (named on PostgreSQL).
  const ofUser = prepare<{ userId: string }, Raw>(dialect, (p) =>
    db
      .selectFrom('user_identities')
      .select(['provider', 'subject', 'user_id', 'email', 'login', 'created_at', 'last_used_at'])
      .where('user_id', '=', p.userId)
      .orderBy('provider')
      .orderBy('created_at'),
  );
  return {
    async find(provider: string, subject: string): Promise<IdentityRow | undefined> {
      const row = await db
        .selectFrom('user_identities')
        .selectAll()
        .where('provider', '=', provider)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return row && toRow(row);
    },

    async ofUser(userId: string): Promise<IdentityRow[]> {
      return (await ofUser(db, { userId })).map(toRow);
    },

    /** Every identity of one provider (`ldap:<realm>`), for the periodic directory check. */
    async ofProvider(provider: string): Promise<IdentityRow[]> {
      return (
        await db.selectFrom('user_identities').selectAll().where('provider', '=', provider).orderBy('user_id').execute()
      ).map(toRow);
    },

    /** Throws a unique violation when the outside account is linked already. */
    async insert(i: Omit<IdentityRow, 'lastUsedAt' | 'missingSince'>): Promise<void> {
      await db
        .insertInto('user_identities')
        .values({
          provider: i.provider,
          subject: i.subject,
          user_id: i.userId,
          email: i.email,
          login: i.login,
          created_at: i.createdAt,
          last_used_at: i.createdAt,
        })
        .execute();
    },

    async touch(
      provider: string,
      subject: string,
      fields: { email: string | null; login: string | null },
      now: Date,
    ): Promise<void> {
      await db
        .updateTable('user_identities')
        .set({ email: fields.email, login: fields.login, last_used_at: now, missing_since: null })
        .where('provider', '=', provider)
        .where('subject', '=', subject)
        .execute();
    },

    /** Marks the entry missing; true only for the caller that marked it (not when it was marked already). */
    async markMissing(provider: string, subject: string, now: Date): Promise<boolean> {
      const res = await db
        .updateTable('user_identities')
        .set({ missing_since: now })
        .where('provider', '=', provider)
        .where('subject', '=', subject)
        .where('missing_since', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    /** The periodic check found the entry again. */
    async clearMissing(provider: string, subject: string): Promise<void> {
      await db
        .updateTable('user_identities')
        .set({ missing_since: null })
        .where('provider', '=', provider)
        .where('subject', '=', subject)
        .execute();
    },

    async remove(userId: string, provider: string): Promise<number> {
      const res = await db
        .deleteFrom('user_identities')
        .where('user_id', '=', userId)
        .where('provider', '=', provider)
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    /** Drops the links to a directory that is deleted (its users stay, as local accounts without a password). */
    async removeProvider(provider: string): Promise<void> {
      await db.deleteFrom('user_identities').where('provider', '=', provider).execute();
    },
  };
}

export type UserIdentityQueries = ReturnType<typeof createUserIdentityQueries>;
