import { StoreUnavailableError } from '@nest-users/core';
import { ConnectionIsNotSetError } from 'typeorm';

// PostgreSQL SQLSTATEs that mean "no usable connection": class 08 (connection exception), the server shutting down
// or starting up (57P01-57P03), too many connections (53300), and a statement cancelled by statement_timeout (57014):
// a server too slow to answer a primary-key lookup within the deadline is unavailable, not wrong.
const PG_CODES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300', '57014']);
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
// Errors that carry no code: node-pg's connection and pool timeouts, TypeORM's and better-sqlite3's "not connected" states.
const MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pg-pool: no client within connectionTimeoutMillis
  /^Query read timeout$/, // node-pg `query_timeout`
  /^Client has encountered a connection error and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
  /^Driver not Connected$/,
  /^The database connection is not open$/, // better-sqlite3, after the DataSource was destroyed
];

/**
 * Whether `error` means the database did not answer (down, unreachable, timed out, locked, out of connections) as
 * opposed to refusing a query. Looks through TypeORM's `QueryFailedError.driverError`, `cause` and `AggregateError`.
 */
export function isConnectionFailure(error: unknown): boolean {
  return isFailure(error, 0);
}

function isFailure(error: unknown, depth: number): boolean {
  // Bounded: a cyclic `cause` chain must not hang the error path.
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  if (error instanceof ConnectionIsNotSetError) return true;
  const { code, message, driverError, cause, errors } = error as Record<string, unknown>;
  if (typeof code === 'string') {
    if (PG_CODES.has(code) || SOCKET_CODES.has(code)) return true;
    if (SQLITE_PREFIXES.some((prefix) => code.startsWith(prefix))) return true;
  }
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  const nested = [driverError, cause, ...(Array.isArray(errors) ? errors : [])];
  return nested.some((inner) => isFailure(inner, depth + 1));
}

/** Runs a database call; a connection failure becomes `StoreUnavailableError('database')` (503, not 401 or 500). */
export async function withDatabaseOutage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isConnectionFailure(error)) throw new StoreUnavailableError('database', error);
    throw error;
  }
}
