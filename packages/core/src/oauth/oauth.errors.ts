import { UsersAuthError } from '../errors/users-auth.error.js';

/**
 * Raised by `UserRepository.addOAuthAccount` when this provider account is already linked (to any user): the pair
 * provider name + account id is unique, and the store itself enforces it, also under concurrency.
 * @publicApi
 */
export class OAuthAccountAlreadyLinkedError extends UsersAuthError {
  constructor() {
    super('This provider account is already linked to a user.');
  }
}

/** Raised by `UserRepository.updateOAuthAccount` when the user has no such linked account. @publicApi */
export class OAuthAccountNotFoundError extends UsersAuthError {
  constructor() {
    super('The user has no such linked provider account.');
  }
}

/** Error codes of RFC 6749 §4.1.2.1 / §5.2 and OpenID Connect Core §3.1.2.6: the only reasons echoed to clients. */
const KNOWN_PROVIDER_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
]);

/**
 * The provider refused (`error=access_denied` on the callback), the code exchange failed, or the provider's answer
 * did not validate (ID token issuer, audience, signature, expiry, nonce; state; PKCE). Answered 400
 * `{code: 'OAUTH_PROVIDER_ERROR', reason}`; `reason` is an RFC 6749 / OIDC error code, `invalid_response` for an
 * answer that failed validation, or `unreachable` when the provider could not be reached.
 * @publicApi
 */
export class OAuthProviderError extends UsersAuthError {
  readonly reason: string;

  constructor(reason: string, cause?: unknown) {
    const known = KNOWN_PROVIDER_ERRORS.has(reason) || reason === 'invalid_response' || reason === 'unreachable';
    const safe = known ? reason : 'invalid_response';
    super(`The OAuth provider answered: ${safe}.`);
    this.reason = safe;
    // For logs only: never sent to the client.
    if (cause !== undefined) this.cause = cause;
  }
}
