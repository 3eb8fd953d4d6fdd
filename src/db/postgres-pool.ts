import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { DatabaseTimeouts } from '../config/load.js';
import { isDatabaseUnavailable } from './errors.js';
import { NAMED_STATEMENT } from './prepared.js';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** How long the client waits beyond the server's statement_timeout before deciding the path is dead. */
const CLIENT_MARGIN_MS = 1000;
/** TCP keep-alive probes start after this much idle time, so a vanished peer is noticed on idle connections. */
const KEEPALIVE_DELAY_MS = 10_000;

/**
 * A pg pool whose every wait is bounded: connecting and waiting for a free client
 * (acquire timeout), each statement on the server (statement_timeout) and on the client
 * (query_timeout, for a path that stopped answering), plus TCP keep-alive.
 */
export function createBoundedPool(url: string, t: DatabaseTimeouts): PostgresPool & { stats(): PoolStats } {
  // Loaded with the first pool: a SQLite server or CLI call never loads the PostgreSQL driver.
  const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
  const pool = new Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: t.acquireTimeoutMs,
    statement_timeout: t.statementTimeoutMs,
    query_timeout: t.statementTimeoutMs + CLIENT_MARGIN_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);

  // Statements marked NAMED_STATEMENT run as named statements: parsed and planned once per connection.
  const names = new Map<string, string>();
  const named = (text: string, values: unknown) => {
    let name = names.get(text);
    if (!name) {
      name = `gatehouse_${names.size}`;
      names.set(text, name);
    }
    return { name, text, values };
  };

  // One wrapper per pg client, so Kysely (which keys its connections by client) reuses them.
  const wrappers = new WeakMap<pg.PoolClient, { state: { broken: boolean }; client: PostgresPoolClient }>();

  return {
    /**
     * Kysely releases a client without saying how its query went. A client whose query met a
     * connection failure or a client-side timeout may still have a reply in flight (or a dead
     * socket), so it is destroyed instead of going back to the pool: the next request gets a
     * fresh connection, and recovery needs no restart.
     */
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let wrapped = wrappers.get(client);
      if (!wrapped) {
        const state = { broken: false };
        const run = (...args: unknown[]) => (client.query as (...a: unknown[]) => unknown)(...args);
        const query = ((...args: unknown[]) => {
          const [text, values] = args;
          const isNamed = typeof text === 'string' && text.startsWith(NAMED_STATEMENT);
          const result = isNamed ? run(named(text, values)) : run(...args);
          if (!(result instanceof Promise)) return result; // a cursor (Kysely's streaming) reports errors on read
          return result.catch((err: unknown) => {
            if (isDatabaseUnavailable(err)) state.broken = true;
            if (!isNamed || (err as { routine?: string }).routine !== 'RevalidateCachedQuery') throw err;
            // The named statement's result columns changed under it (a newer instance migrated the
            // schema, e.g. added a column to a table read with *): it fails on this connection until
            // the connection ends. Replace the connection, and answer this query unnamed (which
            // fails in turn inside a transaction, that error aborted).
            state.broken = true;
            return (run(text, values) as Promise<unknown>).catch(() => Promise.reject(err));
          });
        }) as PostgresPoolClient['query'];
        // pg emits 'error' on a checked-out client whose connection breaks (as well as failing its
        // query); with no listener that would crash the process.
        client.on('error', () => {
          state.broken = true;
        });
        wrapped = { state, client: { query, release: () => client.release(state.broken || undefined) } };
        wrappers.set(client, wrapped);
      }
      wrapped.state.broken = false;
      return wrapped.client;
    },
    end: () => pool.end(),
    /** Connections in the pool, for metrics. */
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}
