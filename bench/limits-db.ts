// The database limits: a rotation's minimum work done with the raw drivers on the same schema
// (migrated by the server's own migrations), with no framework in between.
import { randomBytes, randomUUID } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateToLatest } from '../src/db/migrate.js';

const CHAINS = 16;
const hex = () => randomBytes(32).toString('hex');

async function migrated(database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string }) {
  // Migrations may take their time: the bench is not measuring them.
  const db = openDatabase({ ...database, statementTimeoutMs: 3_600_000, acquireTimeoutMs: 30_000 });
  await migrateToLatest(db);
  await db.close();
}

const USER = `insert into users (id, email, default_role, active, metadata, created_at, updated_at) values ($1, $2, 'user', true, '{}', $3, $3)`;
const READ = `select u.*, t.family_id, t.rotated_at, t.revoked_at, t.expires_at from refresh_tokens t join users u on u.id = t.user_id where t.hash = $1`;
const TOKEN = `insert into refresh_tokens (hash, family_id, user_id, expires_at, created_at) values ($1, $2, $3, $4, $5)`;

/** Rotations per second: read the token with its user, mark it rotated, insert the successor, in one transaction. */
export async function sqliteRotations(dir: string, seconds: number): Promise<number> {
  const file = `${dir}/raw.db`;
  await migrated({ kind: 'sqlite', file });
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const q = (s: string) => s.replace(/\$\d/g, '?').replace(', true,', ', 1,');
  const now = () => new Date().toISOString();
  const userId = randomUUID();
  // SQLite numbers users from its one-row counter (migration 0015), as the server's insert does.
  const numbered = q(USER).replace('(id, email,', '(id, numeric_id, email,');
  const user = numbered.replace('values (?,', 'values (?, (select last + 1 from numeric_id_sequence where id = 1),');
  db.prepare(user).run(userId, `${userId}@raw.example`, now(), now());
  const read = db.prepare(q(READ));
  const claim = db.prepare(
    'update refresh_tokens set rotated_at = ?, replaced_by = ? where hash = ? and revoked_at is null and rotated_at is null',
  );
  const insert = db.prepare(q(TOKEN));
  const chains = Array.from({ length: CHAINS }, () => hex());
  const later = new Date(Date.now() + 86_400_000).toISOString();
  for (const h of chains) insert.run(h, randomUUID(), userId, later, now());
  const rotate = db.transaction((i: number) => {
    const row = read.get(chains[i]) as { family_id: string } | undefined;
    if (!row) throw new Error('raw sqlite: token not found');
    const next = hex();
    claim.run(now(), next, chains[i]);
    insert.run(next, row.family_id, userId, later, now());
    chains[i] = next;
  });
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  let done = 0;
  // One connection, like the server's: better-sqlite3 is synchronous, so concurrency adds nothing.
  while (Date.now() < end) for (let i = 0; i < CHAINS; i++, done++) rotate(i);
  db.close();
  return done / ((Date.now() - started) / 1000);
}

/** Rotations per second: the read, then one CTE that claims and inserts, from `concurrency` clients. */
export async function pgRotations(url: string, seconds: number, concurrency: number): Promise<number> {
  await migrated({ kind: 'postgres', url });
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const userId = randomUUID();
  await pool.query(USER, [userId, `${userId}@raw.example`, new Date()]);
  const later = new Date(Date.now() + 86_400_000);
  const chains = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const h = hex();
      await pool.query(TOKEN, [h, randomUUID(), userId, later, new Date()]);
      return h;
    }),
  );
  const cte = `with claimed as (
      update refresh_tokens set rotated_at = $2, replaced_by = $3 where hash = $1 and revoked_at is null and rotated_at is null returning family_id, user_id
    ), inserted as (
      insert into refresh_tokens (hash, family_id, user_id, expires_at, created_at) select $3, family_id, user_id, $4, $2 from claimed
    ) select family_id from claimed`;
  const end = Date.now() + seconds * 1000;
  const started = Date.now();
  let done = 0;
  await Promise.all(
    chains.map(async (first) => {
      let h = first;
      while (Date.now() < end) {
        const read = await pool.query({ name: 'raw-read', text: READ, values: [h] });
        if (!read.rowCount) throw new Error('raw pg: token not found');
        const next = hex();
        const claimed = await pool.query({ name: 'raw-cte', text: cte, values: [h, new Date(), next, later] });
        if (!claimed.rowCount) throw new Error('raw pg: claim failed');
        h = next;
        done++;
      }
    }),
  );
  await pool.end();
  return done / ((Date.now() - started) / 1000);
}
