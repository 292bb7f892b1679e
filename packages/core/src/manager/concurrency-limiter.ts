import { StoreUnavailableError } from '../errors/store.errors.js';

/** Too many password hashes are already waiting: answered 503, so a login storm cannot exhaust memory. */
export class HashingCapacityError extends StoreUnavailableError {
  constructor() {
    super('password hashing');
  }
}

/**
 * Runs at most `concurrency` tasks at once and lets at most `maxQueued` wait; beyond that a task is refused at once.
 * Each argon2 hash holds its memory cost (19 MiB by default) while it runs, so this bounds hashing memory.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) throw new HashingCapacityError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
