import { randomUUID } from 'node:crypto';
import {
  canonicalEmail,
  canonicalEmailOrNull,
  OAuthAccountAlreadyLinkedError,
  OAuthAccountNotFoundError,
  publicUserFields,
  UserAlreadyExistsError,
  type OAuthAccount,
  type OAuthAccountUpdate,
  type UserCreateData,
  type UserProtocol,
  type UserRepository,
} from '@nest-users/core';
import { Exclude } from 'class-transformer';

/**
 * The class of the users this repository hands out: like `BaseUserEntity`, the hash and the security stamp never
 * serialize (`toJSON()` for `JSON.stringify`, `@Exclude()` for class-transformer). Shallow copies that keep the
 * prototype (`CachedUserRepository`) keep that.
 */
class InMemoryUser {
  @Exclude()
  hashedPassword!: string;

  @Exclude()
  securityStamp!: string | null;

  toJSON(): Record<string, unknown> {
    return publicUserFields(this);
  }
}

/**
 * A Map-backed `UserRepository` for fast unit tests. It passes the same contract as the real adapters: canonical
 * emails (core's `canonicalEmail`), uniqueness in any spelling, UUID ids, fastapi-users' default flags, and copies in
 * and out.
 * @publicApi
 */
export class InMemoryUserRepository<U extends UserProtocol<string> = UserProtocol<string>> implements UserRepository<U, string> {
  private readonly users = new Map<string, U>();
  /** Linked provider accounts by `oauthKey(oauthName, accountId)`, each with its owner's id. */
  private readonly oauthAccounts = new Map<string, { userId: string; account: OAuthAccount }>();

  async get(id: string): Promise<U | null> {
    const user = this.users.get(id);
    return user ? copyOut(user) : null;
  }

  async getByEmail(email: string): Promise<U | null> {
    const canonical = canonicalEmailOrNull(email);
    const user = canonical === null ? undefined : this.findByEmail(canonical);
    return user ? copyOut(user) : null;
  }

  // No await between the uniqueness check and the write, so concurrent calls cannot both pass the check.
  async create(data: UserCreateData<U>): Promise<U> {
    const email = canonicalEmail(data.email);
    if (this.findByEmail(email)) throw new UserAlreadyExistsError();
    const user = {
      isActive: true,
      isSuperuser: false,
      isVerified: false,
      securityStamp: null,
      ...structuredClone(data),
      id: randomUUID(),
      email,
    } as unknown as U;
    this.users.set(user.id, user);
    return copyOut(user);
  }

  async update(user: U, data: Partial<U>): Promise<U> {
    return this.write(user, data);
  }

  async updateIf(user: U, expected: Partial<U>, data: Partial<U>): Promise<U | null> {
    const stored = this.users.get(user.id) as Record<string, unknown> | undefined;
    // `expected` holds values as read from the store, compared as they are.
    if (!stored || Object.entries(expected).some(([key, value]) => (stored[key] ?? null) !== (value ?? null))) {
      return null;
    }
    return this.write(user, data);
  }

  async delete(user: U): Promise<void> {
    this.users.delete(user.id);
    for (const [key, link] of this.oauthAccounts) if (link.userId === user.id) this.oauthAccounts.delete(key);
  }

  async getByOAuthAccount(oauthName: string, accountId: string): Promise<U | null> {
    const link = this.oauthAccounts.get(oauthKey(oauthName, accountId));
    return link ? this.get(link.userId) : null;
  }

  // No await between the uniqueness check and the write (as in create).
  async addOAuthAccount(user: U, account: OAuthAccount): Promise<U> {
    const key = oauthKey(account.oauthName, account.accountId);
    if (this.oauthAccounts.has(key)) throw new OAuthAccountAlreadyLinkedError();
    this.oauthAccounts.set(key, { userId: user.id, account: structuredClone(account) });
    return copyOut(this.users.get(user.id) ?? user);
  }

  async updateOAuthAccount(user: U, oauthName: string, accountId: string, data: OAuthAccountUpdate): Promise<U> {
    const link = this.oauthAccounts.get(oauthKey(oauthName, accountId));
    if (!link || link.userId !== user.id) throw new OAuthAccountNotFoundError();
    const { accountEmail, accessToken, refreshToken, expiresAt } = data;
    const changes = Object.entries({ accountEmail, accessToken, refreshToken, expiresAt }).filter(([, v]) => v !== undefined);
    link.account = { ...link.account, ...structuredClone(Object.fromEntries(changes)) };
    return copyOut(this.users.get(user.id) ?? user);
  }

  async getOAuthAccounts(user: U): Promise<OAuthAccount[]> {
    return [...this.oauthAccounts.values()]
      .filter((link) => link.userId === user.id)
      .map((link) => structuredClone(link.account))
      .sort((a, b) => compareText(a.oauthName, b.oauthName) || compareText(a.accountId, b.accountId));
  }

  /** Number of stored users; lets tests assert that a rejected write left nothing behind. */
  get size(): number {
    return this.users.size;
  }

  /** Removes every user. */
  clear(): void {
    this.users.clear();
    this.oauthAccounts.clear();
  }

  // Shared by update and updateIf, so a spy on `update` counts only the caller's own calls.
  private write(user: U, data: Partial<U>): U {
    const stored = this.users.get(user.id) ?? user;
    const next = { ...structuredClone(stored), ...structuredClone(data), id: user.id } as U;
    if (data.email !== undefined) {
      next.email = canonicalEmail(data.email);
      const owner = this.findByEmail(next.email);
      if (owner && owner.id !== user.id) throw new UserAlreadyExistsError();
    }
    this.users.set(user.id, next);
    return copyOut(next);
  }

  private findByEmail(canonical: string): U | undefined {
    for (const user of this.users.values()) if (user.email === canonical) return user;
    return undefined;
  }
}

/** A deep copy of a stored user, as an `InMemoryUser`. */
function copyOut<U extends object>(user: U): U {
  return Object.setPrototypeOf(structuredClone(user), InMemoryUser.prototype) as U;
}

/** One key per provider account; JSON keeps `('a:b', 'c')` and `('a', 'b:c')` apart. */
function oauthKey(oauthName: string, accountId: string): string {
  return JSON.stringify([oauthName, accountId]);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
