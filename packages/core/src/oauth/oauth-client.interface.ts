/** What the authorize route asks a provider client to put in the authorization URL. @publicApi */
export interface OAuthAuthorizationRequest {
  /** The callback URL fixed by configuration (never taken from the request). */
  redirectUri: string;
  /** The signed state token. */
  state: string;
  /** PKCE S256 challenge of the verifier the callback will send. */
  codeChallenge: string;
  /** OpenID Connect `nonce` the ID token must carry (ignored by plain OAuth2 providers). */
  nonce: string;
}

/** What the callback route hands a provider client to redeem the code. @publicApi */
export interface OAuthCallbackRequest {
  /** The configured redirect URL with the query string the provider sent to it (`code`, `state`, `iss`, `error`...). */
  callbackUrl: URL;
  /** The state the authorize route issued (already verified and bound to this browser). */
  state: string;
  /** The PKCE verifier of the challenge sent at authorize. */
  codeVerifier: string;
  /** The nonce sent at authorize. */
  nonce: string;
}

/** The provider account behind a successful callback, and its tokens. @publicApi */
export interface OAuthProfile {
  /** The provider's stable account id (OIDC `sub`, GitHub's numeric id as text). */
  accountId: string;
  /** The account's email, or `null` when the provider gave none (then `OAUTH_NOT_AVAILABLE_EMAIL`). */
  email: string | null;
  /** Whether the provider says it verified that email; only a verified email links or verifies accounts. */
  emailVerified: boolean;
  accessToken: string;
  refreshToken: string | null;
  /** Seconds since the epoch, or `null`. */
  expiresAt: number | null;
}

/**
 * A provider client: builds the authorization URL and turns a callback into the provider account. The shipped ones
 * (`OidcClient`, `GoogleClient`, `GitHubClient`, and `OAuth2Client` to extend) run on `openid-client`; whatever a
 * client throws is answered 400 (an `OAuthProviderError` names its reason), never 500.
 * @publicApi
 */
export interface OAuthClient {
  /** The provider's name when the `oauth` entry gives none (e.g. `'github'`). */
  readonly defaultName?: string;
  authorizationUrl(request: OAuthAuthorizationRequest): Promise<URL>;
  callback(request: OAuthCallbackRequest): Promise<OAuthProfile>;
}
