import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Issue 24 ("Scale"): folder listings and zips range-scan the key prefix in code-point order
 * (`key collate "C" >= $1 and key collate "C" < $2`, see files.listRange). The primary key is
 * ordered by the database's collation, which may be linguistic (en_US.UTF-8) or a libc C.UTF-8
 * that PostgreSQL does not treat as "C": this index gives the range scan under any of them.
 * SQLite compares keys with BINARY (code-point order for UTF-8), so its primary key serves.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`create index if not exists files_key_c on files (key collate "C")`.execute(db);
}
