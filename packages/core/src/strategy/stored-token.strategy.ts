import { createHash, randomBytes } from 'node:crypto';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { isMissingUser } from '../errors/user.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { Strategy, UserLookup } from './strategy.interface.js';
import type { TokenStore } from './token-store.interface.js';

/** 256 bits from the CSPRNG, base64url (43 characters). */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What a token store keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** @publicApi */
export interface StoredTokenStrategyOptions {
  /** Token lifetime in seconds. */
  lifetimeSeconds: number;
}

/**
 * Opaque random tokens whose SHA-256 lives in a `TokenStore` (a database table, Redis): they die at logout, at once,
 * on every instance, and all of a user's die together. `@nest-users/typeorm`'s `DatabaseStrategy` and
 * `@nest-users/redis`'s `RedisStrategy` are this strategy over their stores.
 * @publicApi
 */
export class StoredTokenStrategy<U extends UserProtocol<ID>, ID = U['id']> implements Strategy<U, ID> {
  readonly lifetimeSeconds: number;

  constructor(
    readonly store: TokenStore,
    options: StoredTokenStrategyOptions,
  ) {
    if (!Number.isSafeInteger(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
      throw new UsersAuthConfigurationError('Stored tokens need a lifetimeSeconds: a positive whole number of seconds.');
    }
    this.lifetimeSeconds = options.lifetimeSeconds;
  }

  async writeToken(user: U): Promise<string> {
    const token = generateOpaqueToken();
    const expiresAt = new Date(Date.now() + this.lifetimeSeconds * 1000);
    await this.store.save({ hash: hashToken(token), userId: String(user.id), expiresAt });
    return token;
  }

  async readToken(token: string, users: UserLookup<U, ID>): Promise<U | null> {
    // Anything but our 43-character tokens is refused before touching the store.
    if (!/^[\w-]{43}$/.test(token)) return null;
    const stored = await this.store.find(hashToken(token));
    if (!stored) return null;
    try {
      return await users.get(users.parseId(stored.userId));
    } catch (error) {
      if (isMissingUser(error)) return null;
      throw error;
    }
  }

  async destroyToken(token: string): Promise<void> {
    await this.store.delete(hashToken(token));
  }

  async destroyAllTokens(user: U): Promise<void> {
    await this.store.deleteUser(String(user.id));
  }
}
