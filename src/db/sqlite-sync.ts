import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Params, Prepared } from './prepared.js';
import type { Database } from './types.js';

/**
 * Hot paths on SQLite as one synchronous better-sqlite3 transaction with prepared statements,
 * instead of Kysely's asynchronous transaction, which holds the single connection across
 * awaits and pays a promise per statement.
 */
export interface SqliteSync {
  /** `fn` as one transaction (a savepoint when it runs inside one of ours). */
  transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => Promise<T>;
  /** The statement of `p`, run synchronously with `p`'s parameter encoding. */
  statement<P extends Params, R>(p: Prepared<P, R>): (params: P) => R[];
  /** A statement of SQL text written for SQLite. */
  raw<R>(sql: string): (...params: unknown[]) => R[];
}

/**
 * `exclusive` is for queries bound to the database itself: a Kysely transaction may be open
 * across an await on the same connection, and BEGIN would then nest into it, so the work
 * waits for Kysely's connection (its mutex) first. Nothing interleaves with a synchronous
 * function, so when no transaction is open it runs at once. Inside one of our own Kysely
 * transactions (`exclusive` false) it runs at once too, as a savepoint of that transaction.
 */
export function createSqliteSync(
  sqlite: SqliteDatabase.Database,
  kysely: Kysely<Database>,
  exclusive: boolean,
): SqliteSync {
  const statements = new Map<string, SqliteDatabase.Statement>();
  // Prepared on first use: the tables may not exist before migrations.
  const statementOf = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = sqlite.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const rows = <R>(stmt: SqliteDatabase.Statement, params: unknown[]): R[] => {
    if (stmt.reader) return stmt.all(params) as R[];
    stmt.run(params);
    return [];
  };
  return {
    transaction<A extends unknown[], T>(fn: (...args: A) => T) {
      const run = sqlite.transaction(fn);
      return async (...args: A): Promise<T> => {
        if (!exclusive || !sqlite.inTransaction) return run(...args);
        return kysely.connection().execute(async () => run(...args));
      };
    },
    statement:
      <P extends Params, R>(p: Prepared<P, R>) =>
      (params: P) =>
        rows<R>(statementOf(p.sql), p.parameters(params)),
    raw:
      <R>(sql: string) =>
      (...params: unknown[]) =>
        rows<R>(statementOf(sql), params),
  };
}
