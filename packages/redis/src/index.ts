export {
  createRedisClient,
  FAIL_FAST_REDIS_OPTIONS,
  isRedisUnavailableError,
  redisReady,
  toRedisStoreError,
} from './redis-client.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './redis-token.store.js';
export { RedisStrategy, type RedisStrategyOptions } from './redis.strategy.js';
