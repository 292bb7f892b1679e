import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';

/**
 * Hashes and checks passwords. Swap it through the module's `passwordHelper` option.
 * @publicApi
 */
export interface PasswordHelper {
  hash(password: string): Promise<string>;
  /** Checks `password`; `updatedHash` is set when the stored hash should be replaced (weaker parameters). */
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
}

// The ambient const enum of @node-rs/argon2 cannot be read under isolatedModules.
const ARGON2ID = 2 as unknown as NonNullable<Options['algorithm']>;

/**
 * argon2id through `@node-rs/argon2`: prebuilt, and it hashes on the libuv pool, off the event loop.
 * @publicApi
 */
export class Argon2PasswordHelper implements PasswordHelper {
  private readonly options: Options;
  private dummyHash?: Promise<string>;

  constructor(parameters: Argon2Parameters = {}) {
    this.options = {
      algorithm: ARGON2ID,
      memoryCost: parameters.memoryCost ?? 19_456,
      timeCost: parameters.timeCost ?? 2,
      parallelism: parameters.parallelism ?? 1,
    };
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  async verifyAndUpdate(password: string, storedHash: string) {
    if (!storedHash.startsWith('$argon2')) return { verified: false };
    let verified: boolean;
    try {
      verified = await verify(storedHash, password);
    } catch {
      return { verified: false };
    }
    if (!verified) return { verified };
    return this.isOutdated(storedHash) ? { verified, updatedHash: await this.hash(password) } : { verified };
  }

  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    await verify(await this.dummyHash, password).catch(() => false);
  }

  generate(): string {
    return randomBytes(32).toString('base64url');
  }

  private isOutdated(storedHash: string): boolean {
    const stored = parseOptions(storedHash);
    return (
      !storedHash.startsWith('$argon2id$') ||
      stored.memoryCost < this.options.memoryCost! ||
      stored.timeCost < this.options.timeCost! ||
      stored.parallelism !== this.options.parallelism
    );
  }
}
