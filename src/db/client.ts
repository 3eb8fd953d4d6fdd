import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Config } from '../config/load.js';
import { SqliteValuesPlugin, type DialectName } from './dialect.js';
import { createBoundedPool } from './postgres-pool.js';
import type { Database } from './types.js';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /**
   * SQLite only: the driver's own handle, for the hot paths that run as one synchronous transaction (see
   * sqlite-sync.ts).
   */
  sqlite?: SqliteDatabase.Database;
  /** Connections of the pool, for metrics (SQLite: its single connection). */
  poolStats(): { total: number; idle: number; waiting: number };
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Kysely prepares every statement anew; preparing costs more than running a point query,
 * so statements are kept by SQL text (the set of distinct SQL texts is small and fixed).
 */
function withStatementCache(database: SqliteDatabase.Database, max = 500) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = database.prepare(sql);
        if (cache.size >= max) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** SQLite's only wait is for the write lock: bounded by the acquire timeout, after which SQLITE_BUSY answers 503. */
function openSqlite(file: string, busyTimeoutMs: number) {
  mkdirSync(path.dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${Math.round(busyTimeoutMs)}`);
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
    plugins: [new SqliteValuesPlugin()],
  });
  return { kysely, sqlite: database };
}

function open(database: Config['database']) {
  if (database.kind === 'sqlite') return { ...openSqlite(database.file, database.acquireTimeoutMs), pool: undefined };
  const pool = createBoundedPool(database.url, database);
  return { kysely: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool, sqlite: undefined };
}

/** Opens the configured database. No migration happens here. */
export function openDatabase(database: Config['database']): Db {
  const { kysely, pool, sqlite } = open(database);
  return {
    kysely,
    dialect: database.kind,
    sqlite,
    poolStats: () => pool?.stats() ?? { total: 1, idle: 1, waiting: 0 },
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: () => kysely.destroy(),
  };
}
