import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { toRedisStoreError } from './redis-client.js';
import { Script } from './redis-script.js';

/** What `ThrottlerStorage.increment` answers (times in seconds). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** @publicApi */
export interface RedisThrottlerStorageOptions {
  /** Prepended to every key, so several apps can share one Redis database. @default 'nest-users:throttle:' */
  keyPrefix?: string;
}

/**
 * KEYS: hit counter, block marker. ARGV: window (ms), limit, block duration (ms). Returns {hits, window left (ms),
 * blocked 0/1, block left (ms)}. While the marker lives the request is refused and not counted. Otherwise the counter
 * is incremented (its TTL, the window, starts with the first hit: a fixed window); the hit past the limit sets the
 * marker for the block duration and clears the counter, so counting starts afresh when the block ends. Without a
 * block duration, hits past the limit are refused until the window ends. One script, hence atomic across instances.
 */
const INCREMENT = new Script(`
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local block = tonumber(ARGV[3])
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(redis.call('GET', KEYS[2])) or 0, 0, 1, blocked}
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  left = window
end
if hits <= limit then return {hits, left, 0, 0} end
if block > 0 then
  redis.call('SET', KEYS[2], hits, 'PX', block)
  redis.call('DEL', KEYS[1])
  return {hits, 0, 1, block}
end
return {hits, left, 1, left}
`);

/**
 * A `ThrottlerStorage` (@nestjs/throttler) on ioredis, so several instances share their rate limits: pass it as
 * `rateLimit: { storage: new RedisThrottlerStorage(redis) }`. Each key is a counter with a TTL (the window) and a
 * block marker with a TTL (the block), updated by one Lua script, so concurrent requests on any number of instances
 * are counted exactly. Keys are `${keyPrefix}{${key}}:${throttlerName}:hits|block`; the braces keep both keys of one
 * counter in one Redis Cluster slot. The module's keys are SHA-256 hashes, never an email or an address in clear.
 *
 * A Redis outage rejects with `StoreUnavailableError`, which the module answers 503 (the limits fail closed). Create
 * the client with `createRedisClient` so that happens within about a second.
 * @publicApi
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  readonly keyPrefix: string;

  constructor(
    readonly redis: Redis,
    options: RedisThrottlerStorageOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'nest-users:throttle:';
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.keyPrefix}{${key}}:${throttlerName}`;
    let reply: unknown;
    try {
      reply = await INCREMENT.run(
        this.redis,
        [`${base}:hits`, `${base}:block`],
        [Math.ceil(ttl), limit, Math.max(0, Math.ceil(blockDuration))],
      );
    } catch (error) {
      throw toRedisStoreError(error);
    }
    const [totalHits, windowLeft, blocked, blockLeft] = (reply as number[]).map(Number);
    return {
      totalHits: totalHits!,
      timeToExpire: Math.ceil(windowLeft! / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeft! / 1000),
    };
  }
}
