import type { KeyObject } from 'node:crypto';
import type { DynamicModule, ForwardReference, Type } from '@nestjs/common';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import type { UserCacheOptions } from '../db/cached-user.repository.js';
import type { Argon2Parameters, PasswordHelper } from '../manager/password.helper.js';
import type { UserManager } from '../manager/user-manager.js';
import type { OAuthProviderOptions, OAuthStateOptions } from '../oauth/oauth-options.interface.js';
import type { RequirementDefaults } from '../guards/auth-requirements.js';
import type { AuthenticatedOptions } from './authenticated-options.interface.js';
import type { UsersAuthRateLimitOptions } from './rate-limit-options.interface.js';

/**
 * Options that may come asynchronously (`forRootAsync`'s factory), e.g. secrets from `ConfigService`.
 * @publicApi
 */
export interface UsersAuthModuleOptions {
  /** Authentication backends, tried in this order; names must be unique. */
  backends: AuthenticationBackend<any, any>[];
  /** Refuse unverified users at login (`LOGIN_USER_NOT_VERIFIED`) and on protected routes (403). @default false */
  requiresVerification?: boolean;
  /** argon2id parameters of the default password helper. @default OWASP's minimum: m=19456 KiB, t=2, p=1 */
  argon2?: Argon2Parameters;
  /** Replaces the argon2id password helper entirely. @default Argon2PasswordHelper */
  passwordHelper?: PasswordHelper;
  /** Email-verification tokens (`aud` `nest-users:verify`). @default a key derived from the first JWT backend's, 1 h */
  verifyToken?: PurposeTokenOptions;
  /** Reset-password tokens (`aud` `nest-users:reset`). @default a key derived from the first JWT backend's, 1 h */
  resetPasswordToken?: PurposeTokenOptions;
  /** `PATCH /users/me` changes the password only with the right `currentPassword`. @default true */
  requireCurrentPassword?: boolean;
  /**
   * Serve users read by id (every authenticated request) from memory for `ttlSeconds`. Writes through the
   * `UserManager` take effect at once in this process; others (another instance, SQL) after at most `ttlSeconds`.
   * @default undefined (off: the user is read from the store on every request)
   */
  userCache?: UserCacheOptions;
  /**
   * Rate limits (@nestjs/throttler) of login, register, forgot-password, request-verify-token, reset-password, verify
   * and refresh, per client address and per target email: `false` turns them off, an object sets the storage
   * (Redis for several instances) and the limits.
   * @default true (DEFAULT_RATE_LIMITS, counters in memory)
   */
  rateLimit?: boolean | UsersAuthRateLimitOptions;
  /**
   * Social login (OAuth2 / OpenID Connect) providers; needs a `UserRepository` that stores OAuth accounts (the
   * TypeORM adapter with `OAuthAccountEntity`). With `forRootAsync`, list their names in `oauthNames`.
   * @default [] (no OAuth routes)
   */
  oauth?: OAuthProviderOptions[];
  /** The state and cookie of the OAuth flows. */
  oauthState?: OAuthStateOptions;
  /**
   * Keys (≥ 32 characters each) to keep the providers' access and refresh tokens, encrypted (AES-256-GCM), with the
   * linked account: the first encrypts, all decrypt (rotation). Without keys the tokens are not stored at all.
   * @default undefined (provider tokens are not stored)
   */
  oauthTokenKeys?: string[];
}

/**
 * A single-purpose token (verification or password reset).
 * @publicApi
 */
export interface PurposeTokenOptions {
  /** Its own HMAC secret (≥ 32 bytes). @default derived (HKDF) from the first JWT backend's secret */
  secret?: string | Buffer | KeyObject;
  /** Lifetime in seconds. @default 3600 */
  lifetimeSeconds?: number;
  /** Its `aud`. @default 'nest-users:verify' or 'nest-users:reset' */
  audience?: string;
}

/**
 * Your own DTOs, for custom user fields: validated by the routes and shown in Swagger.
 * @publicApi
 */
export interface UsersAuthDtos {
  /** Body of `POST /auth/register`. @default UserCreateDto */
  create?: Type<object>;
  /** Body of `PATCH /users/me`. @default UserUpdateDto */
  update?: Type<object>;
  /** Body of `PATCH /users/{id}` (superusers; may set the flags). @default UserAdminUpdateDto */
  adminUpdate?: Type<object>;
  /** The user as answered: only the properties it declares are sent (`@Exclude()`/`@Expose()` honoured). @default UserReadDto */
  read?: Type<object>;
}

/**
 * Paths of the routes the module mounts; each group can be turned off.
 * @publicApi
 */
export interface UsersAuthRoutes {
  /** Prefix of login and logout (`<authPath>/<backend>/login`). @default 'auth' */
  authPath?: string;
  /** Prefix of `register`. @default the authPath */
  registerPath?: string;
  /** Prefix of `request-verify-token` and `verify`. @default the authPath */
  verifyPath?: string;
  /** Prefix of `forgot-password` and `reset-password`. @default the authPath */
  resetPasswordPath?: string;
  /** Prefix of the users routes (`me`, `{id}`). @default 'users' */
  usersPath?: string;
  /** Mount `POST /auth/register`. @default true */
  register?: boolean;
  /** Mount `POST /auth/request-verify-token` and `POST /auth/verify`. @default true */
  verify?: boolean;
  /** Mount `POST /auth/forgot-password` and `POST /auth/reset-password`. @default true */
  resetPassword?: boolean;
  /** Mount `GET/PATCH /users/me` and the superuser routes `GET/PATCH/DELETE /users/{id}`. @default true */
  users?: boolean;
  /** Mount `GET /.well-known/jwks.json`: the public keys of the RS256/ES256/EdDSA backends (none for HMAC). @default false */
  jwks?: boolean;
  /** Path of the JWK Set. @default '.well-known/jwks.json' */
  jwksPath?: string;
}

/**
 * Options fixed when the module is defined: they shape routes, providers and guards, so they cannot wait for a factory.
 * @publicApi
 */
export interface UsersAuthModuleExtras {
  /** Make the guard, manager and decorators usable in every module. @default true */
  isGlobal?: boolean;
  /** Modules to import, one of which provides the `UserRepository` (e.g. `UsersAuthTypeOrmModule.forFeature(User)`). */
  imports?: Array<Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  /** Your `UserManager` subclass (hooks, password policy, id type). @default UserManager */
  userManager?: Type<UserManager<any, any>>;
  /**
   * Protect every route of the app unless marked `@Public()`; an object also sets requirements every route combines
   * with its own (the stricter wins). @default false
   */
  globalGuard?: boolean | AuthenticatedOptions;
  /** Route paths and switches. */
  routes?: UsersAuthRoutes;
  /** Your DTOs for custom user fields. */
  dto?: UsersAuthDtos;
  /** `forRootAsync` only, and required there: the backend names the factory will return, in order (routes need them up front). */
  backendNames?: string[];
  /** `forRootAsync` only: the names of the `oauth` providers the factory will return (routes need them up front). */
  oauthNames?: string[];
}

/** The static settings, resolved when the module is defined (routes and controllers are built from them). */
export interface UsersAuthSettings {
  globalGuard: boolean;
  globalRequirements: AuthenticatedOptions;
  routes: Required<UsersAuthRoutes>;
  dto: Required<UsersAuthDtos>;
  backendNames: string[];
  /** Names of the OAuth providers whose routes are mounted. */
  oauthNames: string[];
}

/**
 * Every option of one module instance, validated and resolved once: the options `forRoot` or the async factory gave,
 * the static settings, and what a route requires when nothing else says. Injected as `USERS_AUTH_OPTIONS`.
 */
export interface ResolvedUsersAuthOptions extends Readonly<UsersAuthModuleOptions>, Readonly<UsersAuthSettings> {
  readonly requirementDefaults: RequirementDefaults;
}
