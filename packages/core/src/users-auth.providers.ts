import type { Provider } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { AuthenticationBackend } from './backend/authentication-backend.js';
import { CachedUserRepository } from './db/cached-user.repository.js';
import { UserRepository } from './db/user-repository.interface.js';
import { DuplicateBackendNameError, UsersAuthConfigurationError } from './errors/configuration.errors.js';
import type {
  ResolvedUsersAuthOptions,
  UsersAuthModuleOptions,
  UsersAuthSettings,
} from './interfaces/users-auth-module-options.interface.js';
import { Argon2PasswordHelper, PasswordHelper } from './manager/password.helper.js';
import { UserTokens } from './manager/user-tokens.js';
import { resolveRateLimit, type RateLimitSettings } from './rate-limit/rate-limit.defaults.js';
import { RATE_LIMIT_SETTINGS, RATE_LIMIT_STORAGE } from './rate-limit/rate-limit.constants.js';
import { MODULE_OPTIONS_TOKEN } from './users-auth.module-definition.js';
import { validateModuleOptions } from './users-auth.options.js';
import { AUTH_BACKENDS, MANAGED_USER_REPOSITORY, USERS_AUTH_OPTIONS } from './users-auth.constants.js';

/** Injection token of one backend, by name. @publicApi */
export function getBackendToken(name: string): string {
  return `nest-users:backend:${name}`;
}

/** @throws DuplicateBackendNameError */
export function assertUniqueNames(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DuplicateBackendNameError(name);
    seen.add(name);
  }
}

/** Backends as the factory gave them, checked against the names the routes were built for. */
export function validateBackends(options: UsersAuthModuleOptions, expectedNames: string[]): AuthenticationBackend[] {
  const backends = options?.backends;
  if (!Array.isArray(backends) || backends.length === 0) {
    throw new UsersAuthConfigurationError('UsersAuthModule needs at least one backend in `backends`.');
  }
  const names = backends.map((backend) => backend.name);
  assertUniqueNames(names);
  if (names.join('\n') !== expectedNames.join('\n')) {
    throw new UsersAuthConfigurationError(
      `UsersAuthModule.forRootAsync: the factory returned backends [${names.join(', ')}] but \`backendNames\` ` +
        `declares [${expectedNames.join(', ')}]. List the same names, in the same order.`,
    );
  }
  return backends;
}

/** The options as given (validated here, once), with the static settings: the one object the module's parts inject. */
export function resolveUsersAuthOptions(options: UsersAuthModuleOptions, settings: UsersAuthSettings): ResolvedUsersAuthOptions {
  validateBackends(options, settings.backendNames);
  validateModuleOptions(options);
  const requiresVerification = options.requiresVerification ?? false;
  return Object.freeze({
    ...options,
    ...settings,
    requirementDefaults: Object.freeze({
      backendNames: settings.backendNames,
      requiresVerification,
      global: settings.globalGuard ? settings.globalRequirements : undefined,
    }),
  });
}

export function createUsersAuthProviders(settings: UsersAuthSettings): Provider[] {
  return [
    {
      provide: USERS_AUTH_OPTIONS,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: (options: UsersAuthModuleOptions) => resolveUsersAuthOptions(options, settings),
    },
    {
      provide: AUTH_BACKENDS,
      inject: [USERS_AUTH_OPTIONS],
      useFactory: (options: ResolvedUsersAuthOptions) => options.backends,
    },
    {
      provide: UserTokens,
      inject: [USERS_AUTH_OPTIONS],
      useFactory: (options: ResolvedUsersAuthOptions) => new UserTokens(options),
    },
    {
      provide: MANAGED_USER_REPOSITORY,
      inject: [UserRepository, USERS_AUTH_OPTIONS],
      useFactory: (repository: UserRepository<any, any>, options: ResolvedUsersAuthOptions) =>
        options.userCache ? new CachedUserRepository(repository, options.userCache) : repository,
    },
    {
      provide: PasswordHelper,
      inject: [USERS_AUTH_OPTIONS],
      useFactory: (options: ResolvedUsersAuthOptions) => options.passwordHelper ?? new Argon2PasswordHelper(options.argon2),
    },
    {
      provide: RATE_LIMIT_SETTINGS,
      inject: [USERS_AUTH_OPTIONS],
      useFactory: (options: ResolvedUsersAuthOptions) => resolveRateLimit(options.rateLimit),
    },
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [RATE_LIMIT_SETTINGS],
      // A provider, so Nest stops the in-memory storage's sweep timer at shutdown.
      useFactory: (settings: RateLimitSettings) => (settings.enabled && settings.storage) || new ThrottlerStorageService(),
    },
    ...settings.backendNames.flatMap((name, index): Provider[] => [
      {
        provide: getBackendToken(name),
        inject: [AUTH_BACKENDS],
        useFactory: (backends: AuthenticationBackend[]) => backends[index],
      },
    ]),
  ];
}
