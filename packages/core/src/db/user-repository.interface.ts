import type { UserCreateData, UserProtocol } from '../interfaces/user.interface.js';

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
  delete(user: U): Promise<void>;
}

/** Injection token of the `UserRepository` port. @publicApi */
export const UserRepository = Symbol('nest-users:UserRepository');
