import { StoreUnavailableError } from '@nest-users/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * The ioredis options under which an outage fails fast instead of hanging, so requests that need Redis answer 503
 * within about a second and everything recovers on its own when Redis returns:
 *
 * - `enableOfflineQueue: false`: while the connection is down (or not yet up), a command is refused at once ("Stream
 *   isn't writeable") instead of waiting in an unbounded in-memory queue for a server that may never return.
 * - `maxRetriesPerRequest: 1`: a command caught by a dropped connection is retried on one reconnection at most, then
 *   rejected with `MaxRetriesPerRequestError` (the default, 20, keeps it pending for many seconds).
 * - `commandTimeout: 1000`: no command waits more than a second for its answer (a server that accepts the connection
 *   but no longer answers, a network partition without a reset).
 * - `connectTimeout: 2000`: a connection attempt to a host that does not answer is given up after two seconds (the
 *   default is ten), so reconnection attempts go on at a steady pace.
 * - `retryStrategy`: reconnect every 100 ms, 200 ms, … up to once a second, for ever: the client you created at
 *   startup comes back by itself as soon as Redis does (no restart, no new client).
 *
 * A consequence of `enableOfflineQueue: false`: commands sent before the first connection is ready are refused too
 * (they would answer 503). Await {@link redisReady} at startup if the first requests must succeed.
 * @publicApi
 */
export const FAIL_FAST_REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1000,
  connectTimeout: 2000,
  retryStrategy: (times: number) => Math.min(times * 100, 1000),
} as const satisfies RedisOptions;

/**
 * An ioredis client for `url` (`redis://[:password@]host:port[/db]`, `rediss://` for TLS) with
 * {@link FAIL_FAST_REDIS_OPTIONS}; `overrides` win over them.
 *
 * ```ts
 * const redis = createRedisClient(process.env.REDIS_URL!);
 * new RedisStrategy(redis, { lifetimeSeconds: 3600 });
 * ```
 * @publicApi
 */
export function createRedisClient(url: string, overrides: RedisOptions = {}): Redis {
  return new Redis(url, { ...FAIL_FAST_REDIS_OPTIONS, ...overrides });
}

/**
 * Resolves once `redis` is connected and ready; rejects with `StoreUnavailableError` if it is not within `timeoutMs`
 * (or when the client was closed). Use it at startup with `enableOfflineQueue: false`, which refuses commands until
 * the first connection is up.
 * @publicApi
 */
export function redisReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'end') {
    return Promise.reject(new StoreUnavailableError('redis', new Error('The Redis client is closed.')));
  }
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  return new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown) => (lastError = error);
    const onReady = () => done();
    const onEnd = () => done(new Error('The Redis client was closed before it became ready.'));
    const timer = setTimeout(() => done(lastError ?? new Error(`Redis was not ready within ${timeoutMs} ms.`)), timeoutMs);
    function done(error?: unknown) {
      clearTimeout(timer);
      redis.off('ready', onReady).off('end', onEnd).off('error', onError);
      if (error === undefined) resolve();
      else reject(new StoreUnavailableError('redis', error));
    }
    redis.on('ready', onReady).on('end', onEnd).on('error', onError);
  });
}

const UNAVAILABLE_MESSAGES = [
  // enableOfflineQueue: false while disconnected, connecting or reconnecting.
  "Stream isn't writeable",
  // The client ended (quit, disconnect, retryStrategy gave up).
  'Connection is closed',
  // commandTimeout.
  'Command timed out',
  // In-flight commands of a transaction or a pipeline when the connection dropped.
  'Command aborted due to connection close',
];

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** Replies of a server that is up but cannot serve (still loading its dataset, failing over, blocked by a script). */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/**
 * Whether `error`, thrown by an ioredis command, means "Redis is not answering" (connection refused or closed, the
 * offline queue refused the command, `MaxRetriesPerRequestError`, a command timeout, a server that cannot serve yet)
 * rather than a bug or bad data.
 * @publicApi
 */
export function isRedisUnavailableError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'AbortError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (UNAVAILABLE_MESSAGES.some((message) => error.message.startsWith(message))) return true;
  return error.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(error.message);
}

/** `StoreUnavailableError('redis', error)` for an outage, `error` itself otherwise. */
export function toRedisStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  return isRedisUnavailableError(error) ? new StoreUnavailableError('redis', error) : error;
}
