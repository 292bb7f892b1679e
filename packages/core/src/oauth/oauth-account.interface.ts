/**
 * One provider account linked to a user, as a `UserRepository` stores it. `oauthName` + `accountId` identify it and
 * are unique together across all users. The token fields hold what the manager hands the store: `null` unless the
 * app asked to keep provider tokens, and then ciphertext (see `OAuthTokenCipher`), never a token in clear.
 * @publicApi
 */
export interface OAuthAccount {
  /** The provider's name in the `oauth` module option (e.g. `'google'`). */
  oauthName: string;
  /** The provider's stable id of the account (OIDC `sub`, GitHub's numeric id as text); compared exactly. */
  accountId: string;
  /** The email the provider gave for the account when it was linked or last logged in with. */
  accountEmail: string;
  accessToken: string | null;
  refreshToken: string | null;
  /** When the access token expires, in seconds since the epoch (as fastapi-users), or `null` when unknown. */
  expiresAt: number | null;
}

/** What `updateOAuthAccount` may change: the tokens, their expiry and the account's email. @publicApi */
export type OAuthAccountUpdate = Partial<Pick<OAuthAccount, 'accountEmail' | 'accessToken' | 'refreshToken' | 'expiresAt'>>;
