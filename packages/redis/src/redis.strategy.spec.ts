import { randomBytes, randomUUID } from 'node:crypto';
import { hashToken, StoreUnavailableError, UserNotExistsError, type UserProtocol } from '@nest-users/core';
import { testKeyPrefix, testRedisAvailable, type TestKeyPrefix } from '@nest-users/testing/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, redisReady } from './redis-client.js';
import { RedisStrategy } from './redis.strategy.js';

const redisUrl = process.env.TEST_REDIS_URL;
const redisAvailable = testRedisAvailable('RedisStrategy');

type User = UserProtocol<string>;

function user(id = randomUUID()): User {
  return { id, email: `${id}@example.com`, hashedPassword: 'x', isActive: true, isSuperuser: false, isVerified: false };
}

describe.skipIf(!redisAvailable)('RedisStrategy', () => {
  let redis: Redis;
  let strategy: RedisStrategy<User>;
  let keys: TestKeyPrefix;
  let prefix: string;
  const users = new Map<string, User>();
  const lookup = {
    parseId: (value: unknown) => String(value),
    get: async (id: string) => {
      const found = users.get(id);
      if (!found) throw new UserNotExistsError();
      return found;
    },
  };
  const register = () => {
    const u = user();
    users.set(u.id, u);
    return u;
  };

  beforeAll(async () => {
    redis = createRedisClient(redisUrl!);
    await redisReady(redis);
    keys = testKeyPrefix(redis);
    prefix = keys.prefix;
    strategy = new RedisStrategy<User>(redis, { lifetimeSeconds: 600, keyPrefix: prefix });
  });

  afterAll(async () => {
    if (!redis) return;
    await keys.clear();
    await redis.quit();
  });

  it('keeps its tokens under the given keyPrefix, nest-users:token: by default, and refuses a lifetime of 0', async () => {
    const ada = register();
    expect(await redis.exists(`${prefix}${hashToken(await strategy.writeToken(ada))}`)).toBe(1);
    const byDefault = new RedisStrategy<User>(redis, { lifetimeSeconds: 5 });
    const token = await byDefault.writeToken(ada);
    try {
      expect(await redis.exists(`nest-users:token:${hashToken(token)}`)).toBe(1);
      expect(await byDefault.readToken(token, lookup)).toEqual(ada);
    } finally {
      await byDefault.destroyAllTokens(ada);
    }
    expect(await redis.exists(`nest-users:token:${hashToken(token)}`, `nest-users:token:user:${ada.id}`)).toBe(0);
    expect(() => new RedisStrategy(redis, { lifetimeSeconds: 0 })).toThrow(/lifetimeSeconds/);
  });

  it('writes an opaque token that reads back as its user, stored under its hash with the lifetime as TTL', async () => {
    const ada = register();
    const token = await strategy.writeToken(ada);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(await strategy.readToken(token, lookup)).toEqual(ada);
    expect(await redis.exists(`${prefix}${token}`)).toBe(0);
    const ttl = await redis.pttl(`${prefix}${hashToken(token)}`);
    expect(ttl).toBeGreaterThan(595_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it('reads unknown, malformed and foreign tokens as null', async () => {
    expect(await strategy.readToken(randomBytes(32).toString('base64url'), lookup)).toBeNull();
    expect(await strategy.readToken('user:anything', lookup)).toBeNull();
    expect(await strategy.readToken('', lookup)).toBeNull();
    // A live token of a user that no longer exists.
    const ghost = user();
    expect(await strategy.readToken(await strategy.writeToken(ghost), lookup)).toBeNull();
  });

  it('destroyToken ends that token at once and leaves the user’s others', async () => {
    const ada = register();
    const [first, second] = [await strategy.writeToken(ada), await strategy.writeToken(ada)];
    await strategy.destroyToken(first);
    expect(await strategy.readToken(first, lookup)).toBeNull();
    expect(await strategy.readToken(second, lookup)).toEqual(ada);
  });

  it('destroyAllTokens ends every token of the user and no one else’s, seen by a second instance at once', async () => {
    const ada = register();
    const grace = register();
    const adaTokens = await Promise.all([1, 2, 3].map(() => strategy.writeToken(ada)));
    const graceToken = await strategy.writeToken(grace);
    // Another app instance: its own client and strategy on the same Redis.
    const otherRedis = createRedisClient(redisUrl!);
    await redisReady(otherRedis);
    try {
      const other = new RedisStrategy<User>(otherRedis, { lifetimeSeconds: 600, keyPrefix: prefix });
      expect(await other.readToken(adaTokens[0]!, lookup)).toEqual(ada);
      await strategy.destroyAllTokens(ada);
      for (const t of adaTokens) expect(await other.readToken(t, lookup)).toBeNull();
      expect(await other.readToken(graceToken, lookup)).toEqual(grace);
      expect(await redis.exists(`${prefix}user:${ada.id}`)).toBe(0);
    } finally {
      await otherRedis.quit();
    }
  });

  it('throws StoreUnavailableError, not null, when Redis does not answer', async () => {
    const closed = createRedisClient(redisUrl!, { lazyConnect: true });
    const down = new RedisStrategy<User>(closed, { lifetimeSeconds: 600, keyPrefix: prefix });
    closed.disconnect();
    const ada = register();
    await expect(down.writeToken(ada)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(down.readToken(randomBytes(32).toString('base64url'), lookup)).rejects.toBeInstanceOf(StoreUnavailableError);
    const stranger = randomBytes(32).toString('base64url');
    await expect(down.destroyToken(stranger)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(down.destroyAllTokens(ada)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
