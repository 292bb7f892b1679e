import { randomUUID } from 'node:crypto';
import {
  canonicalEmail,
  canonicalEmailOrNull,
  UserAlreadyExistsError,
  type UserCreateData,
  type UserProtocol,
  type UserRepository,
} from '@nest-users/core';

/**
 * A UserRepository on a Map, written as an adapter for another database would be: each method is one call to the
 * store, and the rules the contract suite checks are marked.
 */
export class MapUserRepository<U extends UserProtocol<string>> implements UserRepository<U, string> {
  private readonly rows = new Map<string, U>();

  async get(id: string): Promise<U | null> {
    return this.copy(this.rows.get(id));
  }

  async getByEmail(email: string): Promise<U | null> {
    // Look up the canonical form; an email that has none finds nobody.
    const canonical = canonicalEmailOrNull(email);
    return canonical === null ? null : this.copy(this.byEmail(canonical));
  }

  async create(data: UserCreateData<U>): Promise<U> {
    // Store the canonical form (canonicalEmail throws InvalidEmailError for an email that has none), and keep it
    // unique in the store itself: a database does it with a unique index, and maps the violation to
    // UserAlreadyExistsError, so two racing registrations make one row.
    const email = canonicalEmail(data.email);
    if (this.byEmail(email)) throw new UserAlreadyExistsError();
    const user = { isActive: true, isSuperuser: false, isVerified: false, ...structuredClone(data), id: randomUUID(), email };
    this.rows.set(user.id, user as unknown as U);
    return this.copy(user as unknown as U)!;
  }

  async update(user: U, data: Partial<U>): Promise<U> {
    const next = { ...this.rows.get(user.id)!, ...structuredClone(data), id: user.id };
    if (data.email !== undefined) {
      next.email = canonicalEmail(data.email);
      const owner = this.byEmail(next.email);
      if (owner && owner.id !== user.id) throw new UserAlreadyExistsError();
    }
    this.rows.set(user.id, next);
    return this.copy(next)!;
  }

  async updateIf(user: U, expected: Partial<U>, data: Partial<U>): Promise<U | null> {
    // One atomic compare-and-set (SQL: UPDATE ... WHERE id = ? AND <column> = ? for each expected value): a reset
    // token works once even when ten requests present it together.
    const stored = this.rows.get(user.id) as Record<string, unknown> | undefined;
    const matches = stored && Object.entries(expected).every(([key, value]) => (stored[key] ?? null) === (value ?? null));
    return matches ? this.update(user, data) : null;
  }

  async delete(user: U): Promise<void> {
    this.rows.delete(user.id);
  }

  /** Rows in the store; the contract suite counts them to see that a refused write left nothing behind. */
  get size(): number {
    return this.rows.size;
  }

  private byEmail(canonical: string): U | undefined {
    return [...this.rows.values()].find((user) => user.email === canonical);
  }

  // Hand out copies: callers must not change stored rows by mutating what they got.
  private copy(user: U | undefined): U | null {
    return user ? structuredClone(user) : null;
  }
}
