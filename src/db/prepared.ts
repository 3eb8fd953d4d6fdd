import type { Compilable, Kysely } from 'kysely';
import { encodeParameter, type DialectName } from './dialect.js';
import type { Database } from './types.js';

const SLOT = '\u0000gatehouse-slot-';

export type Prepared<A extends unknown[], R> = (executor: Kysely<Database>, ...args: A) => Promise<R[]>;

/**
 * Builds and compiles a query once, with placeholder values, then runs the compiled SQL
 * with each call's arguments. Kysely otherwise rebuilds and recompiles the query on every
 * call, which on the hot paths (token lookup, rotation, user load) costs several times
 * what the database itself spends.
 */
export function prepare<A extends unknown[], R>(dialect: DialectName, arity: A['length'], build: (...slots: never[]) => Compilable<R>): Prepared<A, R> {
  const slots = Array.from({ length: arity }, (_, i) => `${SLOT}${i}`);
  const compiled = build(...(slots as never[])).compile();
  const positions = compiled.parameters.map((p) => slots.indexOf(p as string));
  return async (executor, ...args) => {
    const parameters = compiled.parameters.map((p, i) => (positions[i]! >= 0 ? encodeParameter(dialect, args[positions[i]!]) : p));
    return (await executor.executeQuery<R>({ ...compiled, parameters })).rows;
  };
}
