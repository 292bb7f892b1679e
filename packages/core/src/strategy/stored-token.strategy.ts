import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { Strategy, UserLookup } from './strategy.interface.js';
import { hashToken, isOpaqueToken, issueStoredToken, userOfStoredToken } from './stored-token.util.js';
import type { TokenStore } from './token-store.interface.js';

/** @publicApi */
export interface StoredTokenStrategyOptions {
  /** Token lifetime in seconds. */
  lifetimeSeconds: number;
}

/**
 * Opaque random tokens whose SHA-256 lives in a `TokenStore` (a database table, Redis): they die at logout, at once,
 * on every instance, and all of a user's die together. Each is stored as an `access` token (never accepted where a
 * refresh token is expected, and the other way round) and bound to the user's password: a password change ends it
 * even when it was minted while the change was under way. `@nest-users/typeorm`'s `DatabaseStrategy` and
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

  async writeToken(user: U, session?: string): Promise<string> {
    return issueStoredToken(this.store, user, { kind: 'access', lifetimeSeconds: this.lifetimeSeconds, family: session });
  }

  async readToken(token: string, users: UserLookup<U, ID>): Promise<U | null> {
    if (!isOpaqueToken(token)) return null;
    const stored = await this.store.find(hashToken(token), 'access');
    return stored && userOfStoredToken(token, stored, 'access', users);
  }

  async sessionOf(token: string): Promise<string | null> {
    if (!isOpaqueToken(token)) return null;
    return (await this.store.find(hashToken(token), 'access'))?.family ?? null;
  }

  async destroyToken(token: string): Promise<void> {
    await this.store.delete(hashToken(token));
  }

  async destroyAllTokens(user: U): Promise<void> {
    await this.store.deleteUser(String(user.id));
  }
}
