import type { Compilable, Kysely } from 'kysely';
import { encodeParameter, type DialectName } from './dialect.js';
import type { Database } from './types.js';

const SLOT = '\u0000gatehouse-slot:';

/**
 * Marks a statement the PostgreSQL pool runs as a named (server-side prepared) statement:
 * parsed and planned once per connection instead of on every call. Only the fixed set of
 * hot statements built by `prepare` carry it, so the names per connection stay bounded.
 */
export const NAMED_STATEMENT = '/* named */ ';

/** A statement's named parameters, e.g. `{ hash: string; now: Date }`. */
export type Params = Record<string, unknown>;

/** A compiled statement, run with one object of named parameters. */
export interface Prepared<P extends Params, R> {
  (executor: Kysely<Database>, params: P): Promise<R[]>;
  /** The compiled SQL, for a synchronous driver call (sqlite-sync.ts). */
  readonly sql: string;
  /** The driver's parameters for `params`, in the statement's order. */
  parameters(params: P): unknown[];
}

/**
 * Builds and compiles a query once, then runs the compiled SQL with each call's parameters.
 * `build` receives a stand-in for each named parameter (`p.hash`); each call passes the real
 * values by name: `byHash(db, { hash })`. Kysely otherwise rebuilds and recompiles the query on
 * every call: see docs/performance.md for what that costs on the hot paths.
 */
export function prepare<P extends Params, R>(dialect: DialectName, build: (p: P) => Compilable<R>): Prepared<P, R> {
  const slots = new Proxy({} as P, { get: (_target, name) => `${SLOT}${String(name)}` });
  const built = build(slots).compile();
  const compiled = dialect === 'postgres' ? { ...built, sql: NAMED_STATEMENT + built.sql } : built;
  // For each driver parameter: the name of the call's parameter it takes, or undefined for a constant.
  const names = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(SLOT) ? p.slice(SLOT.length) : undefined,
  );
  const parameters = (params: P) =>
    compiled.parameters.map((p, i) => {
      const name = names[i];
      return name === undefined ? p : encodeParameter(dialect, params[name]);
    });
  const run = async (executor: Kysely<Database>, params: P) =>
    (await executor.executeQuery<R>({ ...compiled, parameters: parameters(params) })).rows;
  return Object.assign(run, { sql: compiled.sql, parameters });
}
