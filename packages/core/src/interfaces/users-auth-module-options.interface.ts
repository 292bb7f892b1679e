import type { DynamicModule, ForwardReference, Type } from '@nestjs/common';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import type { Argon2Parameters, PasswordHelper } from '../manager/password.helper.js';
import type { UserManager } from '../manager/user-manager.js';
import type { AuthenticatedOptions } from './authenticated-options.interface.js';

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
}

/**
 * Paths of the routes the module mounts; each group can be turned off.
 * @publicApi
 */
export interface UsersAuthRoutes {
  /** Prefix of login, logout and register. @default 'auth' */
  authPath?: string;
  /** Prefix of the users routes. @default 'users' */
  usersPath?: string;
  /** Mount `POST /auth/register`. @default true */
  register?: boolean;
  /** Mount `GET /users/me`. @default true */
  users?: boolean;
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
  /** Protect every route of the app unless marked `@Public()`. @default false */
  globalGuard?: boolean | AuthenticatedOptions;
  /** Route paths and switches. */
  routes?: UsersAuthRoutes;
  /** `forRootAsync` only: the backend names the factory will return, in order (routes need them up front). */
  backendNames?: string[];
}

/** The static settings, resolved. */
export interface UsersAuthSettings {
  globalGuard: boolean;
  globalRequirements: AuthenticatedOptions;
  routes: Required<UsersAuthRoutes>;
  backendNames: string[];
}
