import { randomBytes } from 'node:crypto';
import { StoreUnavailableError } from '@nest-users/core';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, redisReady } from './redis-client.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('[redis-throttler.storage.spec] TEST_REDIS_URL is not set: the Redis cases are skipped.');

const MINUTE = 60_000;

/** A prefix no other run uses. */
const randomPrefix = () => `nest-users-test:throttle:${process.pid}:${randomBytes(6).toString('hex')}:`;

async function deleteUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Waits (polling, no fixed sleep) until `condition` holds. */
async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let redis: Redis;
const prefixes: string[] = [];
beforeAll(async () => {
  if (!redisUrl) return;
  redis = createRedisClient(redisUrl);
  await redisReady(redis);
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteUnder(redis, prefix);
  await redis?.quit();
});

function redisStorage(): RedisThrottlerStorage {
  const prefix = randomPrefix();
  prefixes.push(prefix);
  return new RedisThrottlerStorage(redis, { keyPrefix: prefix });
}

/** The Redis storage answers as @nestjs/throttler's own in-memory storage does: the same cases run on both. */
const storages: Array<[string, () => ThrottlerStorage, boolean]> = [
  ['in memory (@nestjs/throttler)', () => new ThrottlerStorageService(), false],
  ['Redis', redisStorage, !redisUrl],
];

describe.each(storages)('ThrottlerStorage semantics: %s', (_name, create, skip) => {
  it.skipIf(skip)('counts hits up to the limit, then refuses with the block duration', async () => {
    const storage = create();
    for (let hit = 1; hit <= 3; hit++) {
      expect(await storage.increment('k', MINUTE, 3, 2 * MINUTE, 'n')).toMatchObject({ totalHits: hit, isBlocked: false });
    }
    const refused = await storage.increment('k', MINUTE, 3, 2 * MINUTE, 'n');
    expect(refused.isBlocked).toBe(true);
    expect(refused.timeToBlockExpire).toBeGreaterThan(60);
    expect(refused.timeToBlockExpire).toBeLessThanOrEqual(120);
    expect((await storage.increment('k', MINUTE, 3, 2 * MINUTE, 'n')).isBlocked).toBe(true);
  });

  it.skipIf(skip)('keeps keys apart', async () => {
    const storage = create();
    expect((await storage.increment('a', MINUTE, 1, MINUTE, 'n')).isBlocked).toBe(false);
    expect((await storage.increment('a', MINUTE, 1, MINUTE, 'n')).isBlocked).toBe(true);
    expect((await storage.increment('b', MINUTE, 1, MINUTE, 'n')).isBlocked).toBe(false);
  });

  it.skipIf(skip)('reports the time left in the window', async () => {
    const storage = create();
    const record = await storage.increment('w', 30_000, 5, 30_000, 'n');
    expect(record.timeToExpire).toBeGreaterThan(25);
    expect(record.timeToExpire).toBeLessThanOrEqual(30);
  });
});

describe.skipIf(!redisUrl)('RedisThrottlerStorage', () => {
  it('keeps the throttler names of one key apart', async () => {
    const storage = redisStorage();
    expect((await storage.increment('a', MINUTE, 1, MINUTE, 'n')).isBlocked).toBe(false);
    expect((await storage.increment('a', MINUTE, 1, MINUTE, 'n')).isBlocked).toBe(true);
    expect(await storage.increment('a', MINUTE, 1, MINUTE, 'other')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('refused hits during the block count for nothing; counting starts afresh when it ends', async () => {
    const storage = redisStorage();
    for (let hit = 0; hit < 2; hit++) await storage.increment('k', MINUTE, 2, 300, 'n');
    expect((await storage.increment('k', MINUTE, 2, 300, 'n')).isBlocked).toBe(true);
    for (let hit = 0; hit < 20; hit++) expect((await storage.increment('k', MINUTE, 2, 300, 'n')).isBlocked).toBe(true);
    const blockKey = `${storage.keyPrefix}{k}:n:block`;
    await until(async () => (await redis.exists(blockKey)) === 0);
    expect(await storage.increment('k', MINUTE, 2, 300, 'n')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('is atomic: of 120 concurrent hits through four clients, exactly the limit pass', async () => {
    const clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = createRedisClient(redisUrl!);
        await redisReady(client);
        return client;
      }),
    );
    try {
      const prefix = randomPrefix();
      prefixes.push(prefix);
      const storages = clients.map((client) => new RedisThrottlerStorage(client, { keyPrefix: prefix }));
      const records = await Promise.all(
        Array.from({ length: 120 }, (_, i) => storages[i % 4]!.increment('race', MINUTE, 25, MINUTE, 'n')),
      );
      expect(records.filter((record) => !record.isBlocked)).toHaveLength(25);
      expect(
        records
          .filter((record) => !record.isBlocked)
          .map((record) => record.totalHits)
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
  });

  it('keeps both keys of a counter in one Cluster slot (hash tag), under its prefix, with TTLs', async () => {
    const storage = redisStorage();
    await storage.increment('abc', MINUTE, 1, 2 * MINUTE, 'n');
    await storage.increment('abc', MINUTE, 1, 2 * MINUTE, 'n');
    const block = `${storage.keyPrefix}{abc}:n:block`;
    expect(await redis.pttl(block)).toBeGreaterThan(MINUTE);
    await storage.increment('xyz', MINUTE, 5, MINUTE, 'n');
    const hits = `${storage.keyPrefix}{xyz}:n:hits`;
    expect(await redis.get(hits)).toBe('1');
    expect(await redis.pttl(hits)).toBeGreaterThan(0);
    expect(await redis.pttl(hits)).toBeLessThanOrEqual(MINUTE);
  });

  it('rejects with StoreUnavailableError when Redis does not answer (the module then answers 503)', async () => {
    const down = createRedisClient('redis://127.0.0.1:1', { lazyConnect: true });
    down.on('error', () => undefined);
    try {
      const error = await new RedisThrottlerStorage(down).increment('k', MINUTE, 1, MINUTE, 'n').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
    } finally {
      down.disconnect();
    }
  });
});
