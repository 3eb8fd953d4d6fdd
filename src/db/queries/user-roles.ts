import type { Kysely } from 'kysely';
import type { Database } from '../types.js';

export function createUserRoleQueries(db: Kysely<Database>) {
  return {
    /** Replaces the user's roles with exactly `roles`. Call inside a transaction. */
    async replace(userId: string, roles: string[]): Promise<void> {
      await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
      if (roles.length)
        await db
          .insertInto('user_roles')
          .values(roles.map((role) => ({ user_id: userId, role })))
          .execute();
    },
  };
}

export type UserRoleQueries = ReturnType<typeof createUserRoleQueries>;
