import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A key prefix no other suite or run uses, on a shared Redis: what isolates a suite there. */
export interface TestKeyPrefix {
  prefix: string;
  /** Every key under the prefix (SCAN, never KEYS). */
  keys(): Promise<string[]>;
  /** Deletes every key under the prefix. */
  clear(): Promise<void>;
}

/** Whether `TEST_REDIS_URL` is set; prints why the suite is skipped when it is not. */
export function testRedisAvailable(suite: string): boolean {
  if (process.env.TEST_REDIS_URL) return true;
  console.warn(`${suite}: skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379).`);
  return false;
}

export function testKeyPrefix(redis: Redis): TestKeyPrefix {
  const prefix = `nest-users-test:${randomBytes(6).toString('hex')}:`;
  const keys = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  };
  return {
    prefix,
    keys,
    clear: async () => {
      const found = await keys();
      if (found.length > 0) await redis.del(...found);
    },
  };
}
