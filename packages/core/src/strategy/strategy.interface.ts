import type { UserProtocol } from '../interfaces/user.interface.js';

/** What a strategy needs from the user manager to turn a token into a user. */
export interface UserLookup<U extends UserProtocol<ID>, ID = U['id']> {
  /** @throws InvalidIdError */
  parseId(value: unknown): ID;
  /** @throws UserNotExistsError */
  get(id: ID): Promise<U>;
}

/**
 * What a token is, and how it maps to a user (fastapi-users' Strategy). Returning `null` from `readToken` lets the
 * next backend try; throwing means the store is unreachable, never "bad token".
 * @publicApi
 */
export interface Strategy<U extends UserProtocol<ID> = UserProtocol<any>, ID = U['id']> {
  readToken(token: string, users: UserLookup<U, ID>): Promise<U | null>;
  /**
   * @param session the session id (refresh-token family) of a backend with refresh tokens, for `sessionOf` to give
   * back at logout; absent otherwise.
   */
  writeToken(user: U, session?: string): Promise<string>;
  /**
   * The session a token of this strategy was written for (the `session` given to `writeToken`), or `null`: logout
   * ends that session's refresh tokens. Absent: logout cannot end them.
   */
  sessionOf?(token: string): Promise<string | null>;
  /** @throws StrategyDestroyNotSupportedError when tokens cannot be revoked (stateless JWTs). */
  destroyToken(token: string, user: U): Promise<void>;
  /**
   * Ends every token of the user (log out everywhere; password change, reset, deactivation, deletion). Absent on
   * stateless strategies: JWTs end through their password fingerprint or their expiry.
   */
  destroyAllTokens?(user: U): Promise<void>;
  /**
   * Called once by the `AuthenticationBackend` the strategy is handed to, with the backend's name (`JwtStrategy`
   * names it in its default audience). A strategy that can serve one backend only throws
   * `UsersAuthConfigurationError` when a second one claims it.
   */
  attachToBackend?(backendName: string): void;
}
