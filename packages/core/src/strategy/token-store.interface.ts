/**
 * One stored token. Only the SHA-256 of the token is kept (`hash`), never the token itself, so a leaked table or
 * Redis dump holds nothing a client could present.
 * @publicApi
 */
export interface StoredToken {
  /** base64url SHA-256 of the token. */
  hash: string;
  /** `String(user.id)`. */
  userId: string;
  expiresAt: Date;
  /** Refresh tokens: the rotation family they belong to. */
  family?: string | null;
}

/**
 * Persistence port of stateful tokens (access tokens of the database and Redis strategies, refresh tokens). Adapters
 * pass the contract suite in `@nest-users/testing`, and throw `StoreUnavailableError` when their backend does not
 * answer (never `null`: an outage must not look like a bad token).
 * @publicApi
 */
export interface TokenStore {
  save(token: StoredToken): Promise<void>;
  /** The live token with this hash, or `null` when unknown or expired. */
  find(hash: string): Promise<StoredToken | null>;
  /**
   * Atomically spends a token (refresh rotation): the first call for a live token gets `{ token, alreadySpent: false }`,
   * every later call `{ token, alreadySpent: true }` (reuse), and an unknown or expired hash `null`. A spent token
   * is never found by `find` again.
   */
  spend(hash: string): Promise<{ token: StoredToken; alreadySpent: boolean } | null>;
  delete(hash: string): Promise<void>;
  /** Ends every token of a rotation family (refresh-token reuse detected). */
  deleteFamily(family: string): Promise<void>;
  /** Ends every token of a user ("log out everywhere", password change, deactivation). */
  deleteUser(userId: string): Promise<void>;
  /** Removes expired (and spent-and-expired) records; returns how many. Stores with TTLs may answer 0. */
  purgeExpired(): Promise<number>;
}
