import { StoreUnavailableError } from '@nest-users/core';
import { ConnectionIsNotSetError, QueryFailedError } from 'typeorm';

// PostgreSQL SQLSTATEs that mean "no usable server", wherever they arrive: class 08 (connection exception), class 53
// (insufficient resources: too many connections, disk full, out of memory), the server shutting down, starting up or
// dropping the database (57P01-57P05), and a statement cancelled by statement_timeout (57014): a server too slow to
// answer a primary-key lookup within the deadline is unavailable, not wrong.
const PG_OUTAGE = /^(08...|53...|57P0[1-5]|57014)$/;
// A SQLSTATE error from the server that arrives outside a query (TypeORM wraps query errors in QueryFailedError) was
// raised while connecting: the server refused the session (55000 "database is not accepting connections", 28P01,
// 3D000, a role's connection limit…). Such a refusal is an outage for the request, whatever its class.
const SQLSTATE = /^[0-9A-Z]{5}$/;
// Socket errors from node:net / node:dns on the way to the server.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// SQLite: locked past the busy timeout, file unreachable, disk I/O failure (extended codes share the prefix).
const SQLITE_PREFIXES = ['SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR'];
// MySQL/MariaDB server errors (mysql2 names them by their ER_ symbol) that mean the same as PG_OUTAGE: out of
// connections or resources, the server shutting down or killing the session, and a statement stopped by a time limit
// (a row lock held past innodb_lock_wait_timeout, like SQLITE_BUSY; max_statement_time / max_execution_time).
const MYSQL_OUTAGE = new Set([
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_USER_LIMIT_REACHED',
  'ER_OUT_OF_RESOURCES',
  'ER_OUTOFMEMORY',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_HOST_IS_BLOCKED',
  'PROTOCOL_SEQUENCE_TIMEOUT', // mysql2's own query timeout (TypeORM `enableQueryTimeout`): no answer in time
]);
// Errors that carry no code: node-pg's connection and pool timeouts, TypeORM's, better-sqlite3's and mysql2's "not
// connected" states.
const MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pg-pool: no client within connectionTimeoutMillis
  /^Query read timeout$/, // node-pg `query_timeout`
  /^Client has encountered a connection error and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
  /^Driver not Connected$/,
  /^The database connection is not open$/, // better-sqlite3, after the DataSource was destroyed
  /^Connection is not established with mysql database$/, // TypeORM's MySQL driver, after the DataSource was destroyed
  /^Pool is closed\.$/, // mysql2
];

/**
 * Whether `error` means the database did not answer (down, unreachable, timed out, locked, out of connections) as
 * opposed to refusing a query. Looks through TypeORM's `QueryFailedError.driverError`, `cause` and `AggregateError`.
 */
export function isConnectionFailure(error: unknown): boolean {
  return isFailure(error, 0, false);
}

function isFailure(error: unknown, depth: number, inQuery: boolean): boolean {
  // Bounded: a cyclic `cause` chain must not hang the error path.
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  if (error instanceof ConnectionIsNotSetError) return true;
  const { code, message, severity, fatal, errno, sqlState, driverError, cause, errors } = error as Record<string, unknown>;
  // mysql2 marks every error that ends the connection `fatal`: socket errors, a lost connection, a query past its
  // timeout, and whatever the server answers to the handshake (wrong password, unknown database, too many connections).
  if (fatal === true) return true;
  // A QueryFailedError copies its driver error's fields (code, severity) onto itself.
  const query = inQuery || error instanceof QueryFailedError;
  if (typeof code === 'string') {
    if (PG_OUTAGE.test(code) || SOCKET_CODES.has(code)) return true;
    if (!query && typeof severity === 'string' && SQLSTATE.test(code)) return true;
    if (SQLITE_PREFIXES.some((prefix) => code.startsWith(prefix))) return true;
    if (MYSQL_OUTAGE.has(code)) return true;
    // A MySQL server error that arrives outside a query was raised while connecting (as for PostgreSQL above).
    if (!query && typeof errno === 'number' && typeof sqlState === 'string') return true;
  }
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  const nested = [driverError, cause, ...(Array.isArray(errors) ? errors : [])];
  return nested.some((inner) => isFailure(inner, depth + 1, query));
}

/**
 * Runs a database call; a connection failure becomes `StoreUnavailableError('database')` (503, not 401 or 500), and
 * any other query failure loses what could quote the statement's values (see `withoutStatementValues`).
 */
export async function withDatabaseOutage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isConnectionFailure(error)) throw new StoreUnavailableError('database', error);
    throw withoutStatementValues(error);
  }
}

/**
 * A `QueryFailedError` carries the SQL, its parameters (password hashes, token hashes, emails) and the driver's
 * error, whose message and `detail` may quote a value ("invalid input syntax for type integer: …", "Failing row
 * contains (…)"); Nest's logger prints all of it for a 500. This keeps a `QueryFailedError` with the SQLSTATE only
 * (what callers map, e.g. a unique violation) and the stack frames, so no log line can hold a secret.
 */
export function withoutStatementValues(error: unknown): unknown {
  if (!(error instanceof QueryFailedError)) return error;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  const message = `The database refused the statement${typeof code === 'string' ? ` (${code})` : ''}.`;
  const safe = new QueryFailedError('', [], Object.assign(new Error(message), typeof code === 'string' ? { code } : {}));
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}
