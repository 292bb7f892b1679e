import type { UserCreateData, UserProtocol } from '../interfaces/user.interface.js';
import type { OAuthAccount, OAuthAccountUpdate } from '../oauth/oauth-account.interface.js';

/**
 * Persistence port for users. Adapters (e.g. `@nest-users/typeorm`) implement it and pass the contract suite in
 * `@nest-users/testing`: emails are stored and matched by their `canonicalEmail` form (an email without one finds
 * nobody and is refused on writes with `InvalidEmailError`) and kept unique by the store itself, so a lost race
 * between two registrations surfaces as `UserAlreadyExistsError`, never as a second row.
 * @publicApi
 */
export interface UserRepository<U extends UserProtocol<ID>, ID = U['id']> {
  get(id: ID): Promise<U | null>;
  getByEmail(email: string): Promise<U | null>;
  /** @throws UserAlreadyExistsError when the email is taken (in any spelling) | InvalidEmailError */
  create(data: UserCreateData<U>): Promise<U>;
  /** @throws UserAlreadyExistsError when `data.email` is taken by another user | InvalidEmailError */
  update(user: U, data: Partial<U>): Promise<U>;
  /**
   * Applies `data` only if the stored row still matches `expected` (one atomic compare-and-set), and returns the
   * updated user, or `null` when another write got there first. Makes reset tokens single-use under concurrency.
   * `expected` holds values as read from the store and is compared as is (no canonical form applied).
   */
  updateIf(user: U, expected: Partial<U>, data: Partial<U>): Promise<U | null>;
  /** Also removes the user's linked OAuth accounts (when the adapter stores them). */
  delete(user: U): Promise<void>;

  // OAuth accounts: optional, for adapters that support social login (the `oauth` module option needs all four).

  /** The user this provider account is linked to, or `null`. `accountId` is compared exactly. */
  getByOAuthAccount?(oauthName: string, accountId: string): Promise<U | null>;
  /**
   * Links a provider account to `user` and returns the user.
   * @throws OAuthAccountAlreadyLinkedError when the pair `oauthName` + `accountId` is linked already (to anyone),
   * decided by the store (a unique index), so of concurrent links of one account exactly one wins
   */
  addOAuthAccount?(user: U, account: OAuthAccount): Promise<U>;
  /**
   * Changes the stored tokens, expiry or email of one of the user's linked accounts and returns the user.
   * @throws OAuthAccountNotFoundError when the user has no such account
   */
  updateOAuthAccount?(user: U, oauthName: string, accountId: string, data: OAuthAccountUpdate): Promise<U>;
  /** The user's linked accounts, ordered by provider name then account id. */
  getOAuthAccounts?(user: U): Promise<OAuthAccount[]>;
}

/** Injection token of the `UserRepository` port. @publicApi */
export const UserRepository = Symbol('nest-users:UserRepository');
