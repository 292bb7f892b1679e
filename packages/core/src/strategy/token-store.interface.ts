/**
 * What a stored token is for. One store may hold both kinds (the sample's `access_token` table does), and a token of
 * one kind is never accepted as the other: stores look tokens up by hash and kind.
 * @publicApi
 */
export type TokenKind = 'access' | 'refresh';

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
  kind: TokenKind;
  expiresAt: Date;
  /**
   * The session (refresh-token family) it belongs to: every refresh token, and the access tokens of a backend with
   * refresh tokens, so logging out of the session ends its family.
   */
  family?: string | null;
  /**
   * Binds the token to the password it was minted from: an HMAC of the user's password hash keyed by the token
   * itself (see `tokenFingerprint`), so a password change ends it whatever the interleaving, and a leaked store
   * reveals nothing about the hash. A token whose fingerprint is missing or differs is refused.
   */
  fingerprint?: string | null;
}

/**
 * Persistence port of stateful tokens (access tokens of the database and Redis strategies, refresh tokens). Adapters
 * pass the contract suite in `@nest-users/testing`, and throw `StoreUnavailableError` when their backend does not
 * answer (never `null`: an outage must not look like a bad token).
 * @publicApi
 */
export interface TokenStore {
  save(token: StoredToken): Promise<void>;
  /**
   * The live token with this hash and this kind, or `null` when unknown, expired, spent or of another kind (a record
   * saved without a kind, e.g. before kinds existed, is of no kind).
   */
  find(hash: string, kind: TokenKind): Promise<StoredToken | null>;
  /**
   * Atomically spends a token of this kind (refresh rotation): the first call for a live token gets
   * `{ token, alreadySpent: false }`, every later call `{ token, alreadySpent: true }` (reuse), and an unknown or
   * expired hash, or a token of another kind, `null` (and that token is left untouched). A spent token is never
   * found by `find` again.
   */
  spend(hash: string, kind: TokenKind): Promise<{ token: StoredToken; alreadySpent: boolean } | null>;
  delete(hash: string): Promise<void>;
  /** Ends every token of a rotation family (refresh-token reuse detected). */
  deleteFamily(family: string): Promise<void>;
  /** Ends every token of a user ("log out everywhere", password change, deactivation). */
  deleteUser(userId: string): Promise<void>;
  /** Removes expired (and spent-and-expired) records; returns how many. Stores with TTLs may answer 0. */
  purgeExpired(): Promise<number>;
}
