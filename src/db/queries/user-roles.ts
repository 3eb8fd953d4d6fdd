import type { Kysely } from 'kysely';
import type { Database } from '../types.js';

export function createUserRoleQueries(db: Kysely<Database>) {
  return {
    async rolesOf(userId: string): Promise<string[]> {
      const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute();
      return rows.map((r) => r.role);
    },

    /** Replaces the user's roles with exactly `roles`. Call inside a transaction. */
    async replace(userId: string, roles: string[]): Promise<void> {
      await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
      if (roles.length) await db.insertInto('user_roles').values(roles.map((role) => ({ user_id: userId, role }))).execute();
    },
  };
}

export type UserRoleQueries = ReturnType<typeof createUserRoleQueries>;
