import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UserCreateData, UserProtocol } from '../interfaces/user.interface.js';
import type { UserRepository } from './user-repository.interface.js';

/**
 * The optional user cache (`userCache` module option). Off by default: every authenticated request then reads the
 * user from the store.
 * @publicApi
 */
export interface UserCacheOptions {
  /**
   * How long a user read by id is served from memory. Writes made through this process's `UserManager` (update,
   * verify, reset, deactivation, deletion) take effect at once; writes made elsewhere (another instance, SQL, a
   * `UserRepository` you inject yourself) are seen at the latest this many seconds later.
   */
  ttlSeconds: number;
  /** Users held at most; when full, the oldest entry makes room. @default 10000 */
  maxEntries?: number;
}

interface Entry<U> {
  user: U;
  expiresAt: number;
}

/**
 * Wraps a `UserRepository`, remembering users read by id for `ttlSeconds`, keyed by id only. Every write through it
 * drops the user's entry, and a read that raced with a write is not remembered, so this process never serves a
 * user older than its own last write. Callers get a copy: changing it cannot change what the next request sees.
 * @publicApi
 */
export class CachedUserRepository<U extends UserProtocol<ID>, ID = U['id']> implements UserRepository<U, ID> {
  /** Keyed by `String(id)`: the id a token names and the id on a loaded entity are one key, whatever their type. */
  private readonly entries = new Map<string, Entry<U>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  /** Bumped by every write: a read that started before a write must not store what it read. */
  private writes = 0;

  // OAuth accounts pass through (present exactly when the inner repository has them); linking changes no user field.
  readonly getByOAuthAccount?: UserRepository<U, ID>['getByOAuthAccount'];
  readonly addOAuthAccount?: UserRepository<U, ID>['addOAuthAccount'];
  readonly updateOAuthAccount?: UserRepository<U, ID>['updateOAuthAccount'];
  readonly getOAuthAccounts?: UserRepository<U, ID>['getOAuthAccounts'];

  constructor(
    readonly inner: UserRepository<U, ID>,
    options: UserCacheOptions,
  ) {
    for (const method of ['getByOAuthAccount', 'addOAuthAccount', 'updateOAuthAccount', 'getOAuthAccounts'] as const) {
      const implementation = inner[method] as ((...args: unknown[]) => unknown) | undefined;
      if (implementation) Object.assign(this, { [method]: (...args: unknown[]) => implementation.apply(inner, args) });
    }
    if (!(options.ttlSeconds > 0) || !Number.isFinite(options.ttlSeconds)) {
      throw new UsersAuthConfigurationError('userCache.ttlSeconds must be a positive number of seconds.');
    }
    this.maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new UsersAuthConfigurationError('userCache.maxEntries must be a whole number ≥ 1.');
    }
    this.ttlMs = options.ttlSeconds * 1000;
  }

  async get(id: ID): Promise<U | null> {
    const key = String(id);
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return copyOf(entry.user);
    if (entry) this.entries.delete(key);
    const writesBefore = this.writes;
    const user = await this.inner.get(id);
    if (user && this.writes === writesBefore) this.remember(key, user);
    return user;
  }

  getByEmail(email: string): Promise<U | null> {
    // Logins and lookups by email always go to the store: they are rare, and a login must see the current hash.
    return this.inner.getByEmail(email);
  }

  create(data: UserCreateData<U>): Promise<U> {
    return this.inner.create(data);
  }

  update(user: U, data: Partial<U>): Promise<U> {
    return this.writing(user.id, () => this.inner.update(user, data));
  }

  updateIf(user: U, expected: Partial<U>, data: Partial<U>): Promise<U | null> {
    return this.writing(user.id, () => this.inner.updateIf(user, expected, data));
  }

  delete(user: U): Promise<void> {
    return this.writing(user.id, () => this.inner.delete(user));
  }

  /** Forgets one user (e.g. after changing its row outside the `UserManager`), or everyone. */
  invalidate(id?: ID): void {
    this.writes++;
    if (id === undefined) this.entries.clear();
    else this.entries.delete(String(id));
  }

  private async writing<T>(id: ID, write: () => Promise<T>): Promise<T> {
    this.invalidate(id);
    try {
      return await write();
    } finally {
      // Again once the write is done, failed or not: a read may have stored the old row while it ran.
      this.invalidate(id);
    }
  }

  private remember(key: string, user: U): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { user: copyOf(user), expiresAt: Date.now() + this.ttlMs });
  }
}

/** A shallow copy that keeps the entity's class (instanceof, methods, class-transformer metadata). */
function copyOf<U extends object>(user: U): U {
  return Object.assign(Object.create(Object.getPrototypeOf(user) as object) as U, user);
}
