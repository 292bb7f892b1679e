import { generateOpaqueToken, hashToken, StoreUnavailableError, type StoredToken } from '@nest-users/core';
import { describeTokenStoreContract } from '@nest-users/testing/contracts';
import { testKeyPrefix, testRedisAvailable, type TestKeyPrefix } from '@nest-users/testing/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, isRedisUnavailableError, redisReady } from './redis-client.js';
import { RedisTokenStore } from './redis-token.store.js';

const redisUrl = process.env.TEST_REDIS_URL;
const redisAvailable = testRedisAvailable('RedisTokenStore');

function token(fields: Partial<StoredToken> = {}): StoredToken {
  return {
    hash: hashToken(generateOpaqueToken()),
    userId: 'ada',
    kind: fields.family ? 'refresh' : 'access',
    expiresAt: new Date(Date.now() + 3600_000),
    family: null,
    ...fields,
  };
}

describe.skipIf(!redisAvailable)('RedisTokenStore', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = createRedisClient(redisUrl!);
    await redisReady(redis);
  });

  afterAll(async () => {
    await redis?.quit();
  });

  describeTokenStoreContract('Redis', async () => {
    const { prefix, keys, clear } = testKeyPrefix(redis);
    const store = new RedisTokenStore(redis, { keyPrefix: prefix });
    return {
      store,
      expiresByTtl: true,
      // Token records only: the user and family indexes are not records.
      dump: async () => {
        const records = (await keys()).filter((key) => !/^(user|family):/.test(key.slice(prefix.length)));
        return Promise.all(records.map(async (key) => ({ key, value: await redis.get(key) })));
      },
      teardown: clear,
    };
  });

  describe('Redis specifics', () => {
    let keys: TestKeyPrefix;
    let prefix: string;
    let store: RedisTokenStore;

    beforeAll(() => {
      keys = testKeyPrefix(redis);
      prefix = keys.prefix;
      store = new RedisTokenStore(redis, { keyPrefix: prefix });
    });

    afterAll(async () => {
      await keys?.clear();
    });

    it('uses the documented default prefix, and refuses a client with its own keyPrefix', async () => {
      expect(new RedisTokenStore(redis).tokenKey('h')).toBe('nest-users:token:h');
      const prefixed = createRedisClient(redisUrl!, { keyPrefix: 'app:', lazyConnect: true });
      expect(() => new RedisTokenStore(prefixed)).toThrow(/keyPrefix option/);
      prefixed.disconnect();
    });

    it('writes the token key with a TTL ending at expiresAt, and indexes with the TTL of their longest member', async () => {
      const family = 'fam-ttl';
      const short = token({ userId: 'ttl-user', family, expiresAt: new Date(Date.now() + 60_000) });
      const long = token({ userId: 'ttl-user', family, expiresAt: new Date(Date.now() + 3600_000) });
      await store.save(long);
      await store.save(short);

      const shortTtl = await redis.pttl(store.tokenKey(short.hash));
      expect(shortTtl).toBeGreaterThan(55_000);
      expect(shortTtl).toBeLessThanOrEqual(60_000);
      const longTtl = await redis.pttl(store.tokenKey(long.hash));
      expect(longTtl).toBeGreaterThan(3595_000);
      // Saving the shorter token after the longer one must not shorten the indexes.
      for (const index of [store.userKey('ttl-user'), store.familyKey(family)]) {
        expect(await redis.pttl(index)).toBeGreaterThan(3595_000);
        expect((await redis.smembers(index)).sort()).toEqual([short.hash, long.hash].sort());
      }
      expect(JSON.parse((await redis.get(store.tokenKey(long.hash)))!)).toEqual({
        userId: 'ttl-user',
        kind: 'refresh',
        expiresAt: long.expiresAt.toISOString(),
        family,
        fingerprint: null,
      });
    });

    it('keeps the TTL of a spent token', async () => {
      const refresh = token({ userId: 'spender', family: 'fam-spent', expiresAt: new Date(Date.now() + 120_000) });
      await store.save(refresh);
      expect((await store.spend(refresh.hash, 'refresh'))?.alreadySpent).toBe(false);
      const ttl = await redis.pttl(store.tokenKey(refresh.hash));
      expect(ttl).toBeGreaterThan(110_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    });

    it('holds only hashes: no raw token appears in any key or value under the prefix', async () => {
      const raws = Array.from({ length: 4 }, () => generateOpaqueToken());
      const family = 'fam-hashes';
      for (const [i, raw] of raws.entries()) {
        await store.save(token({ hash: hashToken(raw), userId: 'hash-user', family: i % 2 ? family : null }));
      }
      await store.spend(hashToken(raws[1]!), 'refresh');
      const dump: string[] = [];
      for (const key of await keys.keys()) {
        const type = await redis.type(key);
        dump.push(key, ...(type === 'set' ? await redis.smembers(key) : [(await redis.get(key)) ?? '']));
      }
      const text = dump.join('\n');
      for (const raw of raws) {
        expect(text).toContain(hashToken(raw));
        expect(text).not.toContain(raw);
      }
    });

    it('takes deleted tokens out of their indexes, and deletes an index with its last member', async () => {
      const a = token({ userId: 'idx-user', family: 'fam-idx' });
      const b = token({ userId: 'idx-user' });
      await store.save(a);
      await store.save(b);
      await store.delete(a.hash);
      expect(await redis.smembers(store.userKey('idx-user'))).toEqual([b.hash]);
      expect(await redis.exists(store.familyKey('fam-idx'))).toBe(0);
      await store.deleteUser('idx-user');
      expect(await redis.exists(store.userKey('idx-user'), store.tokenKey(b.hash))).toBe(0);
    });

    it('deleteFamily also takes the family out of the user index', async () => {
      const a = token({ userId: 'fam-user', family: 'fam-del' });
      const b = token({ userId: 'fam-user' });
      await store.save(a);
      await store.save(b);
      await store.deleteFamily('fam-del');
      expect(await redis.smembers(store.userKey('fam-user'))).toEqual([b.hash]);
      expect(await redis.exists(store.familyKey('fam-del'))).toBe(0);
    });

    it('purgeExpired answers 0 and prunes index members whose token expired', async () => {
      const gone = token({ userId: 'prune-user', family: 'fam-prune', expiresAt: new Date(Date.now() + 150) });
      const kept = token({ userId: 'prune-user', family: 'fam-prune' });
      await store.save(gone);
      await store.save(kept);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await store.purgeExpired()).toBe(0);
      expect(await redis.smembers(store.userKey('prune-user'))).toEqual([kept.hash]);
      expect(await redis.smembers(store.familyKey('fam-prune'))).toEqual([kept.hash]);
    });

    it('save prunes a few dead members of the index on the way', async () => {
      const userKey = store.userKey('busy-user');
      // 5 hashes whose tokens are long gone (as if expired), then a save: all fit in the sample and are removed.
      const dead = Array.from({ length: 5 }, () => hashToken(generateOpaqueToken()));
      await redis.sadd(userKey, ...dead);
      const live = token({ userId: 'busy-user' });
      await store.save(live);
      expect(await redis.smembers(userKey)).toEqual([live.hash]);
    });

    it('stores nothing for a token that is already expired', async () => {
      const expired = token({ userId: 'late-user', expiresAt: new Date(Date.now() - 1000) });
      await store.save(expired);
      expect(await redis.exists(store.tokenKey(expired.hash), store.userKey('late-user'))).toBe(0);
    });

    it('finds a record written without a kind (before kinds existed) as neither kind, and leaves it', async () => {
      const legacy = token({ userId: 'legacy-user', family: 'fam-legacy' });
      const record = { userId: legacy.userId, expiresAt: legacy.expiresAt.toISOString(), family: legacy.family };
      await redis.set(store.tokenKey(legacy.hash), JSON.stringify(record), 'PX', 60_000);
      for (const kind of ['access', 'refresh'] as const) {
        expect(await store.find(legacy.hash, kind)).toBeNull();
        expect(await store.spend(legacy.hash, kind)).toBeNull();
      }
      expect(JSON.parse((await redis.get(store.tokenKey(legacy.hash)))!)).toEqual(record);
    });

    it('never treats an index key as a token', async () => {
      await store.save(token({ userId: 'u' }));
      expect(await store.find('user:u', 'access')).toBeNull();
      expect(await store.spend('user:u', 'refresh')).toBeNull();
      await store.delete('user:u');
      expect(await redis.exists(store.userKey('u'))).toBe(1);
      await expect(store.save(token({ hash: 'user:u' }))).rejects.toThrow(TypeError);
    });

    it('maps a closed client to StoreUnavailableError, and leaves other errors alone', async () => {
      const closed = createRedisClient(redisUrl!);
      await redisReady(closed);
      await closed.quit();
      const down = new RedisTokenStore(closed, { keyPrefix: prefix });
      const t = token();
      for (const call of [
        () => down.save(t),
        () => down.find(t.hash, 'access'),
        () => down.spend(t.hash, 'refresh'),
        () => down.delete(t.hash),
        () => down.deleteFamily('f'),
        () => down.deleteUser('u'),
        () => down.purgeExpired(),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).store).toBe('redis');
      }
      // A wrong-type key is a bug, not an outage.
      const wrongType = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
      wrongType.name = 'ReplyError';
      expect(isRedisUnavailableError(wrongType)).toBe(false);
      const loading = new Error('LOADING Redis is loading the dataset in memory');
      loading.name = 'ReplyError';
      expect(isRedisUnavailableError(loading)).toBe(true);
      expect(isRedisUnavailableError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    });
  });
});
