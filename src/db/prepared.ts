import type { Compilable, Kysely } from 'kysely';
import { encodeParameter, type DialectName } from './dialect.js';
import type { Database } from './types.js';

const SLOT = '\u0000gatehouse-slot-';

/**
 * Marks a statement the PostgreSQL pool runs as a named (server-side prepared) statement:
 * parsed and planned once per connection instead of on every call. Only the fixed set of
 * hot statements built by `prepare` carry it, so the names per connection stay bounded.
 */
export const NAMED_STATEMENT = '/* named */ ';

export interface Prepared<A extends unknown[], R> {
  (executor: Kysely<Database>, ...args: A): Promise<R[]>;
  /** The compiled SQL, for a synchronous driver call (sqlite-sync.ts). */
  readonly sql: string;
  /** The driver's parameters for `args`. */
  parameters(...args: A): unknown[];
}

/**
 * Builds and compiles a query once, with placeholder values, then runs the compiled SQL
 * with each call's arguments. Kysely otherwise rebuilds and recompiles the query on every
 * call, which on the hot paths (token lookup, rotation, user load) costs several times
 * what the database itself spends.
 */
export function prepare<A extends unknown[], R>(
  dialect: DialectName,
  arity: A['length'],
  build: (...slots: never[]) => Compilable<R>,
): Prepared<A, R> {
  const slots = Array.from({ length: arity }, (_, i) => `${SLOT}${i}`);
  const built = build(...(slots as never[])).compile();
  const compiled = dialect === 'postgres' ? { ...built, sql: NAMED_STATEMENT + built.sql } : built;
  const positions = compiled.parameters.map((p) => slots.indexOf(p as string));
  const parameters = (...args: A) =>
    compiled.parameters.map((p, i) => (positions[i]! >= 0 ? encodeParameter(dialect, args[positions[i]!]) : p));
  const run = async (executor: Kysely<Database>, ...args: A) =>
    (await executor.executeQuery<R>({ ...compiled, parameters: parameters(...args) })).rows;
  return Object.assign(run, { sql: compiled.sql, parameters });
}
