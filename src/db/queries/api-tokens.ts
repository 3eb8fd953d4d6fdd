import type { Kysely } from 'kysely';
import { toDate, toDateOrNull, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import type { Database } from '../types.js';
import type { KeysetPage } from './sessions.js';

export interface ApiTokenRow {
  id: string;
  userId: string;
  kind: string;
  name: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  sessionId: string | null;
  /** The admin who issued an impersonation token; null for every other kind. */
  issuerId: string | null;
}

/** The columns an API token is read with, everywhere. */
const COLUMNS = ['id', 'user_id', 'kind', 'name', 'expires_at', 'revoked_at', 'session_id', 'issuer_id'] as const;

type TokenColumns = {
  id: string;
  user_id: string;
  kind: string;
  name: string | null;
  expires_at: unknown;
  revoked_at: unknown;
  session_id: string | null;
  issuer_id: string | null;
};

const toToken = (r: TokenColumns): ApiTokenRow => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  name: r.name,
  expiresAt: toDateOrNull(r.expires_at),
  revokedAt: toDateOrNull(r.revoked_at),
  sessionId: r.session_id,
  issuerId: r.issuer_id,
});

export function createApiTokenQueries(db: Kysely<Database>, dialect: DialectName) {
  const byHash = prepare<{ hash: string }, TokenColumns>(dialect, (p) =>
    db.selectFrom('api_tokens').select(COLUMNS).where('hash', '=', p.hash),
  );
  return {
    async insert(t: Omit<ApiTokenRow, 'revokedAt'> & { hash: string; now: Date }): Promise<void> {
      const bound = { session_id: t.sessionId, issuer_id: t.issuerId };
      const token = { hash: t.hash, id: t.id, user_id: t.userId, kind: t.kind, name: t.name, expires_at: t.expiresAt };
      await db
        .insertInto('api_tokens')
        .values({ ...token, created_at: t.now, ...bound })
        .execute();
    },

    async find(hash: string): Promise<ApiTokenRow | undefined> {
      const [row] = await byHash(db, { hash });
      return row && toToken(row);
    },

    /** Oldest first; `page` reads `limit` of them after the key of the previous page's last. */
    async listOf(userId: string, kind: string, page?: KeysetPage): Promise<(ApiTokenRow & { createdAt: Date })[]> {
      let q = db
        .selectFrom('api_tokens')
        .select([...COLUMNS, 'created_at'])
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .orderBy('created_at')
        .orderBy('id');
      if (page?.after) {
        const { at, id } = page.after;
        q = q.where((eb) => eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('id', '>', id)])]));
      }
      if (page) q = q.limit(page.limit);
      return (await q.execute()).map((r) => ({ ...toToken(r), createdAt: toDate(r.created_at) }));
    },

    /** Revokes by id; `userId` limits it to that user's tokens. Returns whether a live token was revoked. */
    async revokeById(id: string, now: Date, userId?: string): Promise<boolean> {
      let q = db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null);
      if (userId) q = q.where('user_id', '=', userId);
      return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
    },

    /** Revokes every live token of a kind for a user (a new impersonation token replaces the old). */
    async revokeKind(userId: string, kind: string, now: Date): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async methodMode(method: string): Promise<string | undefined> {
      return (await db.selectFrom('auth_method_modes').select('mode').where('method', '=', method).executeTakeFirst())
        ?.mode;
    },

    async setMethodMode(method: string, mode: string): Promise<void> {
      await db
        .insertInto('auth_method_modes')
        .values({ method, mode })
        .onConflict((oc) => oc.column('method').doUpdateSet({ mode }))
        .execute();
    },

    async allowMethod(method: string, userId: string): Promise<void> {
      await db
        .insertInto('auth_method_users')
        .values({ method, user_id: userId })
        .onConflict((oc) => oc.columns(['method', 'user_id']).doNothing())
        .execute();
    },

    async disallowMethod(method: string, userId: string): Promise<void> {
      await db.deleteFrom('auth_method_users').where('method', '=', method).where('user_id', '=', userId).execute();
    },

    async methodAllowed(method: string, userId: string): Promise<boolean> {
      return Boolean(
        await db
          .selectFrom('auth_method_users')
          .select('user_id')
          .where('method', '=', method)
          .where('user_id', '=', userId)
          .executeTakeFirst(),
      );
    },

    /** Ends the tokens (Rocket.Chat, impersonation) of one session. */
    async revokeSession(sessionId: string, now: Date): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('session_id', '=', sessionId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /** Ends every session-bound token of a user (personal bearer tokens have no session and stay). */
    async revokeSessionsOfUser(userId: string, now: Date, keep?: string): Promise<void> {
      let q = db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('session_id', 'is not', null)
        .where('revoked_at', 'is', null);
      if (keep) q = q.where('session_id', '!=', keep);
      await q.execute();
    },

    /** Ends every token of a user, personal ones included (an account taken back from whoever held it). */
    async revokeAllKindsOfUser(userId: string, now: Date): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async revokeByHash(hash: string, now: Date): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('hash', '=', hash)
        .where('revoked_at', 'is', null)
        .execute();
    },
  };
}

export type ApiTokenQueries = ReturnType<typeof createApiTokenQueries>;
