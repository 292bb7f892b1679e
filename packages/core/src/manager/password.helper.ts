import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';
import { verify as verifyBcrypt } from '@node-rs/bcrypt';
import { ConcurrencyLimiter, HashingCapacityError } from './concurrency-limiter.js';

/**
 * Hashes and checks passwords. Swap it through the module's `passwordHelper` option.
 * @publicApi
 */
export interface PasswordHelper {
  hash(password: string): Promise<string>;
  /** Checks `password`; `updatedHash` is set when the stored hash should be replaced (legacy or weaker). */
  verifyAndUpdate(password: string, storedHash: string): Promise<{ verified: boolean; updatedHash?: string }>;
  /** Spends the time of one verification, so unknown emails answer as slowly as wrong passwords. */
  verifyDummy(password: string): Promise<void>;
  /** A random password, for users created without one. */
  generate(): string;
}

/** Injection token of the `PasswordHelper`. @publicApi */
export const PasswordHelper = Symbol('nest-users:PasswordHelper');

/** @publicApi */
export interface Argon2Parameters {
  /** Memory in KiB. @default 19456 (OWASP minimum for argon2id) */
  memoryCost?: number;
  /** Iterations. @default 2 */
  timeCost?: number;
  /** Lanes. @default 1 */
  parallelism?: number;
  /**
   * Hashes and verifications running at once (each holds `memoryCost` while it runs). The default leaves one core to
   * the event loop, so a login storm cannot stall authenticated requests, and stays within libuv's pool of 4.
   * @default min(4, max(1, cores - 1))
   */
  maxConcurrent?: number;
  /** Hashes allowed to wait for a slot; beyond that a login answers 503 at once. @default 256 */
  maxQueued?: number;
}

// The ambient const enum of @node-rs/argon2 cannot be read under isolatedModules.
const ARGON2ID = 2 as unknown as NonNullable<Options['algorithm']>;
const BCRYPT = /^\$2[abxy]\$\d\d\$/;
/** bcrypt ignores input past 72 bytes; longer passwords must fail, not match on a prefix. */
const BCRYPT_MAX_BYTES = 72;

/**
 * argon2id through `@node-rs/argon2`: prebuilt, and it hashes on the libuv pool, off the event loop. Legacy bcrypt
 * hashes (e.g. from a fastapi-users database) still verify and are replaced by argon2id on the next login.
 * @publicApi
 */
export class Argon2PasswordHelper implements PasswordHelper {
  private readonly options: Options;
  private readonly limiter: ConcurrencyLimiter;
  private dummyHash?: Promise<string>;

  constructor(parameters: Argon2Parameters = {}) {
    this.limiter = new ConcurrencyLimiter(parameters.maxConcurrent ?? defaultHashConcurrency(), parameters.maxQueued ?? 256);
    this.options = {
      algorithm: ARGON2ID,
      memoryCost: parameters.memoryCost ?? 19_456,
      timeCost: parameters.timeCost ?? 2,
      parallelism: parameters.parallelism ?? 1,
    };
  }

  hash(password: string): Promise<string> {
    return this.limiter.run(() => hash(password, this.options));
  }

  async verifyAndUpdate(password: string, storedHash: string) {
    const verified = await this.verify(password, storedHash);
    if (!verified || !this.isOutdated(storedHash)) return { verified };
    return { verified, updatedHash: await this.hash(password) };
  }

  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    const dummyHash = await this.dummyHash;
    await this.limiter.run(() => verify(dummyHash, password).catch(() => false));
  }

  generate(): string {
    return randomBytes(32).toString('base64url');
  }

  private async verify(password: string, storedHash: string): Promise<boolean> {
    try {
      if (storedHash.startsWith('$argon2')) return await this.limiter.run(() => verify(storedHash, password));
      if (BCRYPT.test(storedHash)) {
        return (
          Buffer.byteLength(password) <= BCRYPT_MAX_BYTES && (await this.limiter.run(() => verifyBcrypt(password, storedHash)))
        );
      }
    } catch (error) {
      if (error instanceof HashingCapacityError) throw error;
      // A malformed stored hash verifies nothing.
    }
    return false;
  }

  private isOutdated(storedHash: string): boolean {
    if (!storedHash.startsWith('$argon2id$')) return true;
    const stored = parseOptions(storedHash);
    return (
      stored.memoryCost < this.options.memoryCost! ||
      stored.timeCost < this.options.timeCost! ||
      stored.parallelism !== this.options.parallelism
    );
  }
}

/** One core stays with the event loop; libuv's default pool runs 4 tasks at once, so more would only queue there. */
export function defaultHashConcurrency(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, cores - 1));
}
