import { StoredTokenStrategy, type StoredTokenStrategyOptions, type UserProtocol } from '@nest-users/core';
import type { Redis } from 'ioredis';
import { RedisTokenStore } from './redis-token.store.js';

/** @publicApi */
export interface RedisStrategyOptions extends StoredTokenStrategyOptions {
  /**
   * Prepended to every key, so several apps or backends can share one Redis database.
   * @default 'nest-users:token:'
   */
  keyPrefix?: string;
}

/**
 * Opaque random tokens (256 bits) whose SHA-256 lives in Redis with a TTL (`RedisTokenStore`): logout ends a token
 * at once on every instance sharing the Redis, and "log out everywhere", a password change or reset and deactivation
 * end all of a user's tokens through a per-user index. When Redis does not answer, the strategy throws
 * `StoreUnavailableError` (503), never a 401.
 *
 * Give it a client made by `createRedisClient(url)` (fail-fast options: no offline queue, 1 s command timeout,
 * automatic reconnection):
 *
 * ```ts
 * new AuthenticationBackend({
 *   name: 'redis',
 *   transport: new BearerTransport(),
 *   strategy: new RedisStrategy(createRedisClient(process.env.REDIS_URL!), { lifetimeSeconds: 3600 }),
 * });
 * ```
 * @publicApi
 */
export class RedisStrategy<U extends UserProtocol<ID>, ID = U['id']> extends StoredTokenStrategy<U, ID> {
  declare readonly store: RedisTokenStore;

  constructor(redis: Redis, options: RedisStrategyOptions) {
    super(new RedisTokenStore(redis, { keyPrefix: options.keyPrefix }), { lifetimeSeconds: options.lifetimeSeconds });
  }
}
