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
    /** Whether any user holds `role` (the first-run check: is there an admin yet?). */
    async anyWithRole(role: string): Promise<boolean> {
      const row = await db
        .selectFrom('user_roles')
        .select('user_id')
        .where('role', '=', role)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type UserRoleQueries = ReturnType<typeof createUserRoleQueries>;
