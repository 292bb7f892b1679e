import { generateOpaqueToken, hashToken, StoreUnavailableError, type StoredToken } from '@nest-users/core';
import { createRedisClient, RedisTokenStore, redisReady } from '@nest-users/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { privateRedisUnavailableReason, startPrivateRedis, type PrivateRedis } from '../support/private-servers.js';

/**
 * A RedisTokenStore on a private redis-server that the test stops, starts, freezes and resumes: while Redis is away
 * every call rejects with StoreUnavailableError within about a second (no hang, nothing queued), and the same client
 * works again once Redis is back.
 */
const reason = privateRedisUnavailableReason();
if (reason) console.warn(`[redis-outage] skipped: ${reason}`);

/** An outage must be reported within this, every call included. */
const FAIL_FAST_MS = 2000;

function token(fields: Partial<StoredToken> = {}): StoredToken {
  return {
    hash: hashToken(generateOpaqueToken()),
    userId: 'ada',
    kind: 'refresh',
    expiresAt: new Date(Date.now() + 3600_000),
    family: 'fam',
    ...fields,
  };
}

/** Every method of the store, each as one call. */
function everyMethod(store: RedisTokenStore): [string, () => Promise<unknown>][] {
  const t = token();
  return [
    ['save', () => store.save(t)],
    ['find', () => store.find(t.hash, 'access')],
    ['spend', () => store.spend(t.hash, 'refresh')],
    ['delete', () => store.delete(t.hash)],
    ['deleteFamily', () => store.deleteFamily('fam')],
    ['deleteUser', () => store.deleteUser('ada')],
    ['purgeExpired', () => store.purgeExpired()],
  ];
}

async function expectUnavailable(name: string, call: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  const outcome = await call().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const elapsed = Date.now() - started;
  expect('error' in outcome, `${name} resolved while Redis was down`).toBe(true);
  const error = (outcome as { error: unknown }).error;
  expect(error, `${name}: ${String(error)}`).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).store).toBe('redis');
  expect(elapsed, `${name} took ${elapsed} ms`).toBeLessThan(FAIL_FAST_MS);
  return elapsed;
}

/** Works end to end: save, find, spend (twice), delete, deleteFamily, deleteUser, purgeExpired. */
async function expectWorking(store: RedisTokenStore): Promise<void> {
  const access = token({ kind: 'access', family: null });
  const refresh = token();
  await store.save(access);
  await store.save(refresh);
  expect((await store.find(access.hash, access.kind))?.userId).toBe('ada');
  expect((await store.spend(refresh.hash, refresh.kind))?.alreadySpent).toBe(false);
  expect((await store.spend(refresh.hash, refresh.kind))?.alreadySpent).toBe(true);
  await store.deleteFamily('fam');
  expect(await store.spend(refresh.hash, refresh.kind)).toBeNull();
  await store.delete(access.hash);
  expect(await store.find(access.hash, access.kind)).toBeNull();
  await store.save(access);
  await store.deleteUser('ada');
  expect(await store.find(access.hash, access.kind)).toBeNull();
  expect(await store.purgeExpired()).toBe(0);
}

/** Polls until the store answers again; returns how long that took. */
async function waitForRecovery(store: RedisTokenStore, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await store.find(hashToken('probe'), 'access');
      return Date.now() - started;
    } catch (error) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      if (Date.now() - started > timeoutMs)
        throw new Error(`Redis store did not recover within ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe.skipIf(reason)('RedisTokenStore when Redis goes away (private redis-server)', () => {
  let server: PrivateRedis;
  let redis: Redis;
  let store: RedisTokenStore;
  const clientErrors: Error[] = [];

  beforeAll(async () => {
    const started = Date.now();
    server = await startPrivateRedis();
    console.info(`[redis-outage] private redis-server on port ${server.port} up in ${Date.now() - started} ms`);
    redis = createRedisClient(server.url);
    // Reconnection attempts report ECONNREFUSED here; without a listener ioredis prints each one.
    redis.on('error', (error: Error) => clientErrors.push(error));
    await redisReady(redis);
    store = new RedisTokenStore(redis, { keyPrefix: 'fault-test:' });
  });

  // Each case starts with the server up, whatever the previous one left.
  beforeEach(async () => {
    server.resume();
    await server.start();
    await waitForRecovery(store);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  it('works, then rejects every call with StoreUnavailableError within 2 s while stopped, then recovers on the same client', async () => {
    await expectWorking(store);

    await server.stop();
    const timings: Record<string, number> = {};
    for (const [name, call] of everyMethod(store)) timings[name] = await expectUnavailable(name, call);
    // A burst of requests during the outage (logins writing sessions, requests reading them): all refused at once, and
    // none parked to be sent later: a session whose login answered 503 must never come to life when Redis is back.
    const refusedSessions = Array.from({ length: 100 }, () => token({ kind: 'access', family: null }));
    const burstStarted = Date.now();
    const burst = await Promise.allSettled([
      ...refusedSessions.map((session) => store.save(session)),
      ...Array.from({ length: 100 }, () => store.find(token().hash, 'access')),
    ]);
    expect(burst.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError)).toBe(true);
    expect(Date.now() - burstStarted).toBeLessThan(FAIL_FAST_MS);
    // White-box on purpose: an in-memory queue growing for a server that may never return is the hazard itself, and
    // nothing outside shows it here (a restarted server has lost the store's scripts, so even a replay fails there).
    expect((redis as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);
    // A longer outage, through several failed reconnection attempts: still refused at once.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(clientErrors.some((e) => (e as { code?: string }).code === 'ECONNREFUSED')).toBe(true);
    for (const [name, call] of everyMethod(store)) await expectUnavailable(name, call);

    const restartStarted = Date.now();
    await server.start();
    const restartMs = Date.now() - restartStarted;
    const recoveryMs = await waitForRecovery(store);
    for (const session of refusedSessions) expect(await store.find(session.hash, 'access')).toBeNull();
    console.info(
      `[redis-outage] down: ${JSON.stringify(timings)} ms; restart ${restartMs} ms; client back after ${recoveryMs} ms`,
    );
    await expectWorking(store);
  });

  it('survives a crash (SIGKILL) the same way', async () => {
    await expectWorking(store);
    await server.stop('SIGKILL');
    for (const [name, call] of everyMethod(store)) await expectUnavailable(name, call);
    await server.start();
    await waitForRecovery(store);
    await expectWorking(store);
  });

  it('does not hang on a frozen server: calls time out (commandTimeout) as StoreUnavailableError, then recover', async () => {
    await expectWorking(store);
    server.pause();
    try {
      // All seven at once: each times out on its own clock, so together they take about one commandTimeout.
      const started = Date.now();
      const results = await Promise.allSettled(everyMethod(store).map(([, call]) => call()));
      const elapsed = Date.now() - started;
      for (const [i, r] of results.entries()) {
        expect(r.status, everyMethod(store)[i]![0]).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      }
      expect(elapsed).toBeLessThan(FAIL_FAST_MS);
      console.info(`[redis-outage] frozen server: 7 calls refused after ${elapsed} ms`);
    } finally {
      server.resume();
    }
    await waitForRecovery(store);
    await expectWorking(store);
  });
});
