import { sql, type Kysely, type Selectable } from 'kysely';
import { toCount, toDate, type DialectName } from '../dialect.js';
import { prepare } from '../prepared.js';
import type { Database, FilesTable } from '../types.js';

export interface FileRow {
  key: string;
  objectKey: string;
  size: number;
  contentType: string;
  etag: string;
  ownerId: string | null;
  tokenHash: string;
  tokenSealed: string | null;
  createdAt: Date;
  updatedAt: Date;
}

function toFile(row: Selectable<FilesTable>): FileRow {
  return {
    key: row.key,
    objectKey: row.object_key,
    size: Number(row.size),
    contentType: row.content_type,
    etag: row.etag,
    ownerId: row.owner_id,
    tokenHash: row.token_hash,
    tokenSealed: row.token_sealed ?? null,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export function createFileQueries(db: Kysely<Database>, dialect: DialectName) {
  const byKey = prepare<{ key: string }, Selectable<FilesTable>>(dialect, (p) =>
    db.selectFrom('files').selectAll().where('key', '=', p.key),
  );

  function rangeQuery(prefix: string, upper: string | undefined, after: string | null, limit: number) {
    const key = dialect === 'postgres' ? sql<string>`${sql.ref('key')} collate "C"` : sql<string>`${sql.ref('key')}`;
    let query = db
      .selectFrom('files')
      .selectAll()
      .where(key, after === null ? '>=' : '>', after ?? prefix)
      .orderBy(key)
      .limit(limit);
    if (upper !== undefined) query = query.where(key, '<', upper);
    return query;
  }

  return {
    async get(key: string): Promise<FileRow | undefined> {
      const [row] = await byKey(db, { key });
      return row && toFile(row);
    },

    /**
     * Up to `limit` files whose key starts with `prefix` and sorts after `after` (a keyset page; the
     * caller makes sure `after` starts with `prefix`; `upper` is prefixUpperBound(prefix)),
     * in code-point order. A range scan of the key (`prefixUpperBound`), never `like`: on
     * PostgreSQL in the "C" collation, which the files_key_c index (migration 0019) serves under any
     * database collation; on SQLite the primary key's BINARY order is already code-point order.
     */
    async listRange(
      prefix: string,
      upper: string | undefined,
      after: string | null,
      limit: number,
    ): Promise<FileRow[]> {
      return (await rangeQuery(prefix, upper, after, limit).execute()).map(toFile);
    },

    /** listRange's statement, unrun: for the query-plan check (EXPLAIN) in the tests. */
    rangeQuery: (prefix: string, upper: string | undefined) => rangeQuery(prefix, upper, prefix, 100).compile(),

    /**
     * Points a key at a newly written object (creating the file, or replacing its version;
     * the owner of an existing file stays). Returns the object it pointed at before, if any,
     * which the caller deletes. Concurrent uploads to one key are serialised by the row lock.
     */
    async publish(
      f: Omit<FileRow, 'createdAt' | 'updatedAt'> & { now: Date },
    ): Promise<{ file: FileRow; replaced?: string }> {
      return db.transaction().execute(async (trx) => {
        const created = await trx
          .insertInto('files')
          .values({
            key: f.key,
            object_key: f.objectKey,
            size: f.size,
            content_type: f.contentType,
            etag: f.etag,
            owner_id: f.ownerId,
            token_hash: f.tokenHash,
            token_sealed: f.tokenSealed,
            created_at: f.now,
            updated_at: f.now,
          })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        let replaced: string | undefined;
        if (Number(created.numInsertedOrUpdatedRows ?? 0) === 0) {
          let current = trx.selectFrom('files').select('object_key').where('key', '=', f.key);
          if (dialect === 'postgres') current = current.forUpdate();
          replaced = (await current.executeTakeFirst())?.object_key;
          await trx
            .updateTable('files')
            .set({
              object_key: f.objectKey,
              size: f.size,
              content_type: f.contentType,
              etag: f.etag,
              token_hash: f.tokenHash,
              token_sealed: f.tokenSealed,
              updated_at: f.now,
            })
            .where('key', '=', f.key)
            .execute();
        }
        const row = await trx.selectFrom('files').selectAll().where('key', '=', f.key).executeTakeFirstOrThrow();
        return { file: toFile(row), replaced };
      });
    },

    /** The objects that rows point to, a page at a time in key order (for the storage sweep). */
    async objectKeysAfter(
      afterKey: string | null,
      limit: number,
    ): Promise<{ key: string; objectKey: string; updatedAt: Date }[]> {
      let query = db.selectFrom('files').select(['key', 'object_key', 'updated_at']).orderBy('key').limit(limit);
      if (afterKey !== null) query = query.where('key', '>', afterKey);
      const rows = await query.execute();
      return rows.map((r) => ({ key: r.key, objectKey: r.object_key, updatedAt: toDate(r.updated_at) }));
    },

    async setToken(key: string, token: { tokenHash: string; tokenSealed: string }, now: Date): Promise<void> {
      await db
        .updateTable('files')
        .set({ token_hash: token.tokenHash, token_sealed: token.tokenSealed, updated_at: now })
        .where('key', '=', key)
        .execute();
    },

    /** Deletes the metadata; returns the object to delete from the backend. */
    async remove(key: string): Promise<string | undefined> {
      const row = await db.deleteFrom('files').where('key', '=', key).returning('object_key').executeTakeFirst();
      return row?.object_key;
    },

    /**
     * Bytes and files per top-level folder (the key up to its first slash; '' for a key without one), largest first.
     */
    async usageByFolder(): Promise<{ folder: string; bytes: number; files: number }[]> {
      const slash = dialect === 'postgres' ? sql<number>`strpos(key, '/')` : sql<number>`instr(key, '/')`;
      const folder = sql<string>`case when ${slash} > 0 then substr(key, 1, ${slash} - 1) else '' end`;
      const rows = await db
        .selectFrom('files')
        .select([
          folder.as('folder'),
          (eb) => eb.fn.sum<number>('size').as('bytes'),
          (eb) => eb.fn.countAll<number>().as('files'),
        ])
        .groupBy(folder)
        .execute();
      return rows
        .map((r) => ({ folder: r.folder, bytes: toCount(r.bytes), files: toCount(r.files) }))
        .sort((a, b) => b.bytes - a.bytes || a.folder.localeCompare(b.folder));
    },

    /** Bytes stored by a user, for the quota. */
    async usage(ownerId: string): Promise<number> {
      const row = await db
        .selectFrom('files')
        .select((eb) => eb.fn.sum<number>('size').as('total'))
        .where('owner_id', '=', ownerId)
        .executeTakeFirst();
      return toCount(row?.total);
    },
  };
}

export type FileQueries = ReturnType<typeof createFileQueries>;
