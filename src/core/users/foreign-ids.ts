import type { Queries } from '../../db/queries/index.js';

/**
 * The ids a user had in a system Gatehouse replaced, kept by `gatehouse import` as links of provider `<system>`
 * (a Rocket.Chat `_id`): a dialect shows them so that clients holding them keep working.
 */
export function createForeignIds(queries: Queries) {
  return {
    /** The user's id in `system`, or undefined when they have none (they were not imported from it). */
    async of(userId: string, system: string): Promise<string | undefined> {
      return (await queries.userIdentities.ofUser(userId)).find((i) => i.provider === system)?.subject;
    },
  };
}

export type ForeignIds = ReturnType<typeof createForeignIds>;
