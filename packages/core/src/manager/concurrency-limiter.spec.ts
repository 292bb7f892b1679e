import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, HashingCapacityError } from './concurrency-limiter.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ConcurrencyLimiter', () => {
  it('runs at most `concurrency` tasks at once, queues up to `maxQueued`, refuses the rest', async () => {
    const limiter = new ConcurrencyLimiter(2, 3);
    const gates = Array.from({ length: 6 }, deferred);
    let running = 0;
    let peak = 0;
    const results = gates.map((gate, i) =>
      limiter
        .run(async () => {
          running++;
          peak = Math.max(peak, running);
          await gate.promise;
          running--;
          return i;
        })
        .catch((error: unknown) => error),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(running).toBe(2);
    expect(await results[5]).toBeInstanceOf(HashingCapacityError);
    gates.forEach((gate) => gate.resolve());
    expect(await Promise.all(results.slice(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });
});
