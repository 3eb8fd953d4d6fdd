/** Socket-level failures: the database cannot be reached or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "wrong request": class 08 (connection
 * exception), class 53 (insufficient resources: too many connections, disk full, out of memory),
 * 55P03 (lock timeout), 57014 (statement_timeout), 57P01–57P03 (shutdown, crash, starting up), and the
 * states a server refuses a new connection with: 3D000 (the database is gone), 28000/28P01 (the login is
 * refused). 55000 is a bug in general ("object not in prerequisite state"), an outage only as the connect-time
 * refusal of a database that does not accept connections (`ALTER DATABASE … ALLOW_CONNECTIONS false`).
 */
const OUTAGE_STATES = new Set(['55P03', '57014', '57P01', '57P02', '57P03', '3D000', '28000', '28P01']);
const NOT_ACCEPTING = /is not currently accepting connections|not accepting connections/;
const isOutageState = (code: string, message: string) =>
  /^(08|53)[0-9A-Z]{3}$/.test(code) || OUTAGE_STATES.has(code) || (code === '55000' && NOT_ACCEPTING.test(message));

/**
 * Messages of node-postgres and pg-pool for the same situations; they carry no code.
 * "Connection terminated…" (cut, or connect timeout), "timeout exceeded when trying to connect"
 * (pool acquire timeout), "Query read timeout" (query_timeout), "…not queryable" (a broken client).
 */
const DRIVER_MESSAGES = new RegExp(
  `^(${[
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Query read timeout',
    'Client has encountered a connection error',
    'Client was closed and is not queryable',
    'Cannot use a pool after calling end',
    'timeout expired',
  ].join('|')})`,
);

/** Whether an error means the database is unreachable, overloaded or too slow, as opposed to a bug or bad data. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (NETWORK_CODES.has(code) || isOutageState(code, message)) return true;
  // better-sqlite3: another connection held the lock beyond busy_timeout (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT,
  // SQLITE_LOCKED…).
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
  if (DRIVER_MESSAGES.test(message)) return true;
  // Node's happy-eyeballs connect reports an AggregateError of one failure per address.
  if (
    Array.isArray(e.errors) &&
    e.errors.length > 0 &&
    e.errors.every((inner) => isDatabaseUnavailable(inner, depth + 1))
  )
    return true;
  return e.cause !== undefined && isDatabaseUnavailable(e.cause, depth + 1);
}

/**
 * PostgreSQL refusing a text value it cannot store (a NUL character: 22021, or 22P05): the request's fault, not the
 * server's.
 */
export function isUnstorableText(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}
