import type { Kysely, Selectable } from 'kysely';
import { likeLiteral, toCount, toDate } from '../dialect.js';
import type { Database, FilesTable } from '../types.js';

export interface FileRow {
  key: string;
  size: number;
  contentType: string;
  etag: string;
  ownerId: string | null;
  tokenHash: string;
  createdAt: Date;
  updatedAt: Date;
}

function toFile(row: Selectable<FilesTable>): FileRow {
  return {
    key: row.key,
    size: Number(row.size),
    contentType: row.content_type,
    etag: row.etag,
    ownerId: row.owner_id,
    tokenHash: row.token_hash,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export function createFileQueries(db: Kysely<Database>) {
  return {
    async get(key: string): Promise<FileRow | undefined> {
      const row = await db.selectFrom('files').selectAll().where('key', '=', key).executeTakeFirst();
      return row && toFile(row);
    },

    /** Every file below the folder, at any depth, in key order. */
    async listUnder(folder: string, limit: number): Promise<FileRow[]> {
      const rows = await db.selectFrom('files').selectAll().where(likeLiteral('key', `${folder}/`, { before: false, after: true })).orderBy('key').limit(limit).execute();
      return rows.map(toFile);
    },

    /** Creates or replaces the metadata of a key; the owner of an existing file stays. */
    async upsert(f: Omit<FileRow, 'createdAt' | 'updatedAt'> & { now: Date }): Promise<FileRow> {
      await db
        .insertInto('files')
        .values({ key: f.key, size: f.size, content_type: f.contentType, etag: f.etag, owner_id: f.ownerId, token_hash: f.tokenHash, created_at: f.now, updated_at: f.now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ size: f.size, content_type: f.contentType, etag: f.etag, token_hash: f.tokenHash, updated_at: f.now }))
        .execute();
      return (await this.get(f.key))!;
    },

    async setTokenHash(key: string, tokenHash: string, now: Date): Promise<void> {
      await db.updateTable('files').set({ token_hash: tokenHash, updated_at: now }).where('key', '=', key).execute();
    },

    async remove(key: string): Promise<void> {
      await db.deleteFrom('files').where('key', '=', key).execute();
    },

    /** Bytes stored by a user, for the quota. */
    async usage(ownerId: string): Promise<number> {
      const row = await db.selectFrom('files').select((eb) => eb.fn.sum<number>('size').as('total')).where('owner_id', '=', ownerId).executeTakeFirst();
      return toCount(row?.total);
    },
  };
}

export type FileQueries = ReturnType<typeof createFileQueries>;
