import type { Kysely } from 'kysely';
import { toBool, toDate, toJson } from '../dialect.js';
import type { Database } from '../types.js';

export interface DirectoryRow {
  realm: string;
  settings: Record<string, unknown>;
  /** Sealed; null for an anonymous bind. */
  bindPassword: string | null;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function createDirectoryQueries(db: Kysely<Database>) {
  const toRow = (r: {
    realm: string;
    settings: unknown;
    bind_password: string | null;
    is_default: unknown;
    created_at: unknown;
    updated_at: unknown;
  }): DirectoryRow => ({
    realm: r.realm,
    settings: toJson(r.settings),
    bindPassword: r.bind_password,
    isDefault: toBool(r.is_default),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  });
  return {
    async list(): Promise<DirectoryRow[]> {
      return (await db.selectFrom('directories').selectAll().orderBy('realm').execute()).map(toRow);
    },

    async get(realm: string): Promise<DirectoryRow | undefined> {
      const row = await db.selectFrom('directories').selectAll().where('realm', '=', realm).executeTakeFirst();
      return row && toRow(row);
    },

    /** Inserts or replaces; a new default takes the flag from any other directory in the same transaction. */
    async upsert(d: Omit<DirectoryRow, 'createdAt' | 'updatedAt'>, now: Date): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (d.isDefault)
          await trx.updateTable('directories').set({ is_default: false }).where('realm', '!=', d.realm).execute();
        const values = {
          settings: JSON.stringify(d.settings),
          bind_password: d.bindPassword,
          is_default: d.isDefault,
          updated_at: now,
        };
        const updated = await trx
          .updateTable('directories')
          .set(values)
          .where('realm', '=', d.realm)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0)
          await trx
            .insertInto('directories')
            .values({ realm: d.realm, ...values, created_at: now })
            .execute();
      });
    },

    async remove(realm: string): Promise<boolean> {
      const res = await db.deleteFrom('directories').where('realm', '=', realm).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

export type DirectoryQueries = ReturnType<typeof createDirectoryQueries>;
