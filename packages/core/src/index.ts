export { UsersAuthModule, type UsersAuthModuleAsyncOptions } from './users-auth.module.js';
export type {
  PurposeTokenOptions,
  UsersAuthDtos,
  UsersAuthModuleExtras,
  UsersAuthModuleOptions,
  UsersAuthRoutes,
} from './interfaces/users-auth-module-options.interface.js';
export type {
  RateLimitedRoute,
  RateLimitRule,
  RouteRateLimits,
  UsersAuthRateLimitOptions,
} from './interfaces/rate-limit-options.interface.js';
export { DEFAULT_RATE_LIMITS } from './rate-limit/rate-limit.defaults.js';
export type { AuthenticatedOptions } from './interfaces/authenticated-options.interface.js';
export type { UserCreateData, UserProtocol } from './interfaces/user.interface.js';

export {
  AuthenticationBackend,
  type AuthenticationBackendOptions,
  type RefreshTokenOptions,
} from './backend/authentication-backend.js';
export { JwtAuthentication, type JwtAuthenticationOptions } from './backend/jwt-authentication.js';
export { getPassportStrategyName } from './backend/passport-strategy-name.util.js';
export { BearerTransport } from './transport/bearer.transport.js';
export { CookieTransport, type CookieTransportOptions } from './transport/cookie.transport.js';
export type { IssuedRefreshToken, TokenCarrier, Transport, TransportResponse } from './transport/transport.interface.js';
export { JwtStrategy, type JwtStrategyOptions, type PublicJwk } from './strategy/jwt.strategy.js';
export type { JwtAlgorithm, JwtKeyOptions } from './strategy/jwt-keys.js';
export type { JwtClaims, JwtCodec, VerifiedJwt } from './strategy/jwt.codec.js';
export { VerifiedTokenCache } from './strategy/verified-token.cache.js';
export { collectPublicJwks, createJwksController } from './controllers/jwks.controller.factory.js';
export type { Strategy, UserLookup } from './strategy/strategy.interface.js';
export type { StoredToken, TokenKind, TokenStore } from './strategy/token-store.interface.js';
export { StoredTokenStrategy, type StoredTokenStrategyOptions } from './strategy/stored-token.strategy.js';
export { generateOpaqueToken, hashToken, tokenFingerprint } from './strategy/stored-token.util.js';

export {
  UserManager,
  type Credentials,
  type ManagerCallOptions,
  type OAuthCallbackOptions,
  type UserCreateInput,
  type UserUpdateInput,
} from './manager/user-manager.js';
export { BackgroundTasks } from './manager/background-tasks.js';
export { Argon2PasswordHelper, PasswordHelper, type Argon2Parameters } from './manager/password.helper.js';
export { UserRepository } from './db/user-repository.interface.js';
export type { OAuthAccount, OAuthAccountUpdate } from './oauth/oauth-account.interface.js';
export { OAuthAccountAlreadyLinkedError, OAuthAccountNotFoundError, OAuthProviderError } from './oauth/oauth.errors.js';
export type {
  OAuthAuthorizationRequest,
  OAuthCallbackRequest,
  OAuthClient,
  OAuthProfile,
} from './oauth/oauth-client.interface.js';
export type { OAuthProviderOptions, OAuthStateOptions } from './oauth/oauth-options.interface.js';
export type { OpenIdClientOptions } from './oauth/openid-client.options.js';
export { GoogleClient, OidcClient, type GoogleClientOptions, type OidcClientOptions } from './oauth/oidc.client.js';
export {
  GitHubClient,
  OAuth2Client,
  type GitHubClientOptions,
  type OAuth2Account,
  type OAuth2Endpoints,
} from './oauth/oauth2.client.js';
export { OAuthTokenCipher, type OAuthTokenContext } from './oauth/oauth-token.cipher.js';
export {
  canonicalEmail,
  canonicalEmailOrNull,
  hasForbiddenEmailCharacter,
  legacyEmailSpellings,
  MAX_EMAIL_INPUT_LENGTH,
} from './email/canonical-email.js';
export { IsEmailLookup, IsUserEmail } from './email/email.validators.js';
export { CachedUserRepository, type UserCacheOptions } from './db/cached-user.repository.js';

export { UsersAuthGuard, type AuthContext, type AuthenticatedUser, type AuthOutcome } from './guards/users-auth.guard.js';
export type { AuthFailure, AuthRecord, GuardContext } from './guards/contexts/guard-context.js';
export { GRAPHQL_ERROR_CODES, GraphQLRefusal } from './guards/contexts/graphql.context.js';
export { WS_ERROR_CODES } from './guards/contexts/ws.context.js';
export type { GraphqlWsAuthOptions, GraphqlWsContext } from './graphql/graphql-ws.connections.js';
export type { MercuriusConnectionInit, MercuriusSubscriptionAuth } from './graphql/mercurius.connections.js';
export { connectionUser, type RefusedConnectionError } from './websockets/gateway-connections.js';
export { Authenticated } from './decorators/authenticated.decorator.js';
export { CurrentUser } from './decorators/current-user.decorator.js';
export { Public } from './decorators/public.decorator.js';
export { InjectBackend, InjectUserManager, InjectUserRepository } from './decorators/inject.decorator.js';
export { getBackendToken } from './users-auth.providers.js';

export { UserCreateDto } from './dto/register.dto.js';
export { UserReadDto, type LinkedOAuthAccount } from './dto/user-read.dto.js';
export { OAuthAccountReadDto, OAuthUserReadDto } from './dto/oauth-account-read.dto.js';
export { publicUserFields, SECRET_USER_FIELDS } from './dto/user-json.util.js';
export { UserAdminUpdateDto, UserUpdateDto } from './dto/user-update.dto.js';
export { IsOptionalNotNull } from './dto/optional-field.decorator.js';
export { UsersAuthValidationPipe, type ValidationIssue } from './http/validation.pipe.js';
export { addUsersAuthSecurity, setupUsersAuthSwagger, type UsersAuthSwaggerOptions } from './swagger/users-auth-swagger.js';

export { ErrorCode } from './errors/error-code.enum.js';
export { UsersAuthError } from './errors/users-auth.error.js';
export { DuplicateBackendNameError, UsersAuthConfigurationError } from './errors/configuration.errors.js';
export {
  InvalidEmailError,
  InvalidIdError,
  InvalidPasswordError,
  InvalidResetPasswordTokenError,
  InvalidVerifyTokenError,
  UserAlreadyExistsError,
  UserAlreadyVerifiedError,
  UserInactiveError,
  UserNotExistsError,
} from './errors/user.errors.js';
export { StrategyDestroyNotSupportedError, TransportLogoutNotSupportedError } from './errors/not-supported.errors.js';
export { StoreUnavailableError } from './errors/store.errors.js';
export { StoreUnavailableFilter } from './http/store-unavailable.filter.js';
export { backendAudience, DEFAULT_AUTH_AUDIENCE } from './users-auth.constants.js';
