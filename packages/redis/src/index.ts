export {
  createRedisClient,
  FAIL_FAST_REDIS_OPTIONS,
  isRedisUnavailableError,
  redisReady,
  toRedisStoreError,
} from './redis-client.js';
export { RedisThrottlerStorage, type RedisThrottlerStorageOptions } from './redis-throttler.storage.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './redis-token.store.js';
export { RedisStrategy, type RedisStrategyOptions } from './redis.strategy.js';
