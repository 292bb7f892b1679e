import type { UserCreateData, UserProtocol } from '../interfaces/user.interface.js';

/**
 * Persistence port for users. Adapters (e.g. `@nest-users/typeorm`) implement it and pass the contract suite in
 * `@nest-users/testing`: emails are matched case-insensitively and kept unique by the store itself, so a lost race
 * between two registrations surfaces as `UserAlreadyExistsError`, never as a second row.
 * @publicApi
 */
export interface UserRepository<U extends UserProtocol<ID>, ID = U['id']> {
  get(id: ID): Promise<U | null>;
  getByEmail(email: string): Promise<U | null>;
  /** @throws UserAlreadyExistsError when the email is taken (in any case). */
  create(data: UserCreateData<U>): Promise<U>;
  /** @throws UserAlreadyExistsError when `data.email` is taken by another user. */
  update(user: U, data: Partial<U>): Promise<U>;
  /**
   * Applies `data` only if the stored row still matches `expected` (one atomic compare-and-set), and returns the
   * updated user, or `null` when another write got there first. Makes reset tokens single-use under concurrency.
   */
  updateIf(user: U, expected: Partial<U>, data: Partial<U>): Promise<U | null>;
  delete(user: U): Promise<void>;
}

/** Injection token of the `UserRepository` port. @publicApi */
export const UserRepository = Symbol('nest-users:UserRepository');
