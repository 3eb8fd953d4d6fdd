import type { Kysely } from 'kysely';
import type { Database } from '../types.js';

/** The reads of `gatehouse export`: users a page at a time in numeric-id order, with what hangs off them. */
export function createExportQueries(db: Kysely<Database>) {
  return {
    async page(afterNumericId: number, limit: number) {
      const users = await db
        .selectFrom('users')
        .selectAll()
        .where('numeric_id', '>', afterNumericId as never)
        .orderBy('numeric_id')
        .limit(limit)
        .execute();
      const ids = users.map((u) => u.id);
      if (!ids.length) return { users, roles: [], mfa: [], identities: [], refresh: [], apiTokens: [], keys: [] };
      const [roles, mfa, identities, refresh, apiTokens, keys] = await Promise.all([
        db.selectFrom('user_roles').selectAll().where('user_id', 'in', ids).execute(),
        db.selectFrom('mfa').selectAll().where('user_id', 'in', ids).execute(),
        db.selectFrom('user_identities').selectAll().where('user_id', 'in', ids).execute(),
        db
          .selectFrom('refresh_tokens')
          .select(['hash', 'user_id', 'expires_at', 'created_at'])
          .where('user_id', 'in', ids)
          .where('revoked_at', 'is', null)
          .where('rotated_at', 'is', null)
          .execute(),
        db
          .selectFrom('api_tokens')
          .select(['hash', 'user_id', 'kind', 'name', 'expires_at', 'created_at'])
          .where('user_id', 'in', ids)
          .where('revoked_at', 'is', null)
          .where('kind', 'in', ['bearer', 'rocketchat'])
          .execute(),
        db
          .selectFrom('webauthn_credentials')
          .select(['credential_id', 'user_id', 'public_key', 'counter', 'transports', 'nickname'])
          .where('user_id', 'in', ids)
          .execute(),
      ]);
      return { users, roles, mfa, identities, refresh, apiTokens, keys };
    },

    realms: () => db.selectFrom('realms').select('name').orderBy('name').execute(),
  };
}
