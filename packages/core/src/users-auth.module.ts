import { Module, type DynamicModule, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { BackendPassportRegistration } from './backend/backend-passport.registration.js';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createAuthController } from './controllers/auth.controller.factory.js';
import { createJwksController } from './controllers/jwks.controller.factory.js';
import { createRegisterController } from './controllers/register.controller.factory.js';
import { createResetPasswordController } from './controllers/reset-password.controller.factory.js';
import { createUsersController } from './controllers/users.controller.factory.js';
import { createVerifyController } from './controllers/verify.controller.factory.js';
import { UserCreateDto } from './dto/register.dto.js';
import { UserReadDto } from './dto/user-read.dto.js';
import { UserAdminUpdateDto, UserUpdateDto } from './dto/user-update.dto.js';
import { UsersAuthConfigurationError } from './errors/configuration.errors.js';
import { UsersAuthGuard } from './guards/users-auth.guard.js';
import { BodyParserErrorsMapping } from './http/body-parser-errors.js';
import type { UsersAuthModuleExtras, UsersAuthSettings } from './interfaces/users-auth-module-options.interface.js';
import { BackgroundTasks } from './manager/background-tasks.js';
import { PasswordHelper } from './manager/password.helper.js';
import { UserTokens } from './manager/user-tokens.js';
import { UserManager } from './manager/user-manager.js';
import { createOAuthAssociateController, createOAuthController } from './oauth/oauth.controller.factory.js';
import { OAuthProviders, oauthNamesOf } from './oauth/oauth-providers.js';
import { documentAllRoutes } from './swagger/route-extension.decorator.js';
import { setupUsersAuthSwagger, type UsersAuthSwaggerOptions } from './swagger/users-auth-swagger.js';
import { AUTH_BACKENDS, USERS_AUTH_OPTIONS } from './users-auth.constants.js';
import { ASYNC_OPTIONS_TYPE, OPTIONS_TYPE, UsersAuthConfigurableModule } from './users-auth.module-definition.js';
import { validateAuthenticatedOptions } from './guards/auth-requirements.js';
import { validateForRootAsyncOptions, validateForRootOptions } from './users-auth.options.js';
import { assertUniqueNames, createUsersAuthProviders, getBackendToken } from './users-auth.providers.js';
import { UsersAuthStartupChecks } from './users-auth.startup.js';

/**
 * `forRootAsync`'s argument: `backendNames` is required, since routes and passport names are built before the
 * factory runs.
 * @publicApi
 */
export type UsersAuthModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE & { backendNames: string[] };

/** The generated base, without its static signatures: forRootAsync narrows its argument (`backendNames` required). */
const ConfigurableModule: Type<object> = UsersAuthConfigurableModule;

/**
 * Registration, login per named backend, guards and Swagger security for a Nest app.
 * @publicApi
 */
@Module({})
export class UsersAuthModule extends ConfigurableModule {
  /** @throws UsersAuthConfigurationError for unknown options (`globalGaurd`), wrong types and unknown backends. */
  static forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    validateForRootOptions(options);
    const names = (options.backends ?? []).map((backend) => backend.name);
    if (options.backendNames && options.backendNames.join('\n') !== names.join('\n')) {
      throw new UsersAuthConfigurationError(
        'UsersAuthModule.forRoot takes its names from `backends`: leave `backendNames` to forRootAsync.',
      );
    }
    if (options.oauthNames) {
      throw new UsersAuthConfigurationError(
        'UsersAuthModule.forRoot takes its OAuth names from `oauth`: leave `oauthNames` to forRootAsync.',
      );
    }
    return this.complete(UsersAuthConfigurableModule.forRoot.call(this, options), options, names, oauthNamesOf(options.oauth));
  }

  /** @throws UsersAuthConfigurationError for unknown options, wrong types and a missing `backendNames`. */
  static forRootAsync(options: UsersAuthModuleAsyncOptions): DynamicModule {
    validateForRootAsyncOptions(options);
    if (!options.backendNames?.length) {
      throw new UsersAuthConfigurationError(
        'UsersAuthModule.forRootAsync needs `backendNames` (e.g. ["jwt"]): routes are built before the factory runs.',
      );
    }
    return this.complete(
      UsersAuthConfigurableModule.forRootAsync.call(this, options),
      options,
      options.backendNames,
      options.oauthNames ?? [],
    );
  }

  /** Builds the Swagger document with every backend's security, serves the UI at `path`, and returns the document. */
  static setupSwagger(
    app: INestApplication,
    config: Omit<OpenAPIObject, 'paths'>,
    path = 'docs',
    options?: UsersAuthSwaggerOptions,
  ): OpenAPIObject {
    return setupUsersAuthSwagger(app, config, path, options);
  }

  private static complete(
    definition: DynamicModule,
    extras: UsersAuthModuleExtras,
    backendNames: string[],
    oauthNames: string[],
  ): DynamicModule {
    assertUniqueNames(backendNames);
    const settings = resolveSettings(extras, backendNames, oauthNames);
    const userManager = extras.userManager ?? UserManager;
    const managerProviders: Provider[] =
      userManager === UserManager ? [UserManager] : [userManager, { provide: UserManager, useExisting: userManager }];
    return {
      ...definition,
      global: extras.isGlobal ?? true,
      imports: [DiscoveryModule, ...(definition.imports?.length ? definition.imports : (extras.imports ?? []))],
      controllers: createControllers(settings),
      providers: [
        ...(definition.providers ?? []),
        ...managerProviders,
        ...createUsersAuthProviders(settings),
        BackgroundTasks,
        BodyParserErrorsMapping,
        UsersAuthGuard,
        BackendPassportRegistration,
        UsersAuthStartupChecks,
        OAuthProviders,
        { provide: DOCUMENTED_ROUTES, inject: [DiscoveryService, MetadataScanner], useFactory: documentAllRoutes },
        ...(settings.globalGuard ? [{ provide: APP_GUARD, useExisting: UsersAuthGuard }] : []),
      ],
      exports: [
        USERS_AUTH_OPTIONS,
        AUTH_BACKENDS,
        PasswordHelper,
        UserTokens,
        BackgroundTasks,
        UserManager,
        ...(userManager === UserManager ? [] : [userManager]),
        UsersAuthGuard,
        ...backendNames.map(getBackendToken),
      ],
    };
  }
}

/** Runs `documentAllRoutes` when the module is instantiated (before any Swagger document can be built). */
const DOCUMENTED_ROUTES = Symbol('nest-users:DocumentedRoutes');

function resolveSettings(extras: UsersAuthModuleExtras, backendNames: string[], oauthNames: string[]): UsersAuthSettings {
  const routes = extras.routes ?? {};
  if (typeof extras.globalGuard === 'object') {
    validateAuthenticatedOptions(extras.globalGuard, 'globalGuard');
    for (const name of extras.globalGuard.backends ?? []) {
      if (!backendNames.includes(name)) {
        throw new UsersAuthConfigurationError(
          `globalGuard: backend "${name}" does not exist; this module has [${backendNames.join(', ')}].`,
        );
      }
    }
  }
  const authPath = trimSlashes(routes.authPath ?? 'auth');
  return {
    backendNames,
    oauthNames,
    globalGuard: Boolean(extras.globalGuard),
    globalRequirements: typeof extras.globalGuard === 'object' ? Object.freeze({ ...extras.globalGuard }) : Object.freeze({}),
    routes: {
      authPath,
      registerPath: trimSlashes(routes.registerPath ?? authPath),
      verifyPath: trimSlashes(routes.verifyPath ?? authPath),
      resetPasswordPath: trimSlashes(routes.resetPasswordPath ?? authPath),
      usersPath: trimSlashes(routes.usersPath ?? 'users'),
      register: routes.register ?? true,
      verify: routes.verify ?? true,
      resetPassword: routes.resetPassword ?? true,
      users: routes.users ?? true,
      jwks: routes.jwks ?? false,
      jwksPath: trimSlashes(routes.jwksPath ?? '.well-known/jwks.json'),
    },
    dto: {
      create: extras.dto?.create ?? UserCreateDto,
      update: extras.dto?.update ?? UserUpdateDto,
      adminUpdate: extras.dto?.adminUpdate ?? UserAdminUpdateDto,
      read: extras.dto?.read ?? UserReadDto,
    },
  };
}

function createControllers(settings: UsersAuthSettings): Type<unknown>[] {
  const { routes, backendNames } = settings;
  return [
    ...backendNames.map((name) => createAuthController(name, routes.authPath)),
    ...(routes.register ? [createRegisterController(settings)] : []),
    ...(routes.verify ? [createVerifyController(settings)] : []),
    ...(routes.resetPassword ? [createResetPasswordController(settings)] : []),
    ...(routes.users ? [createUsersController(settings)] : []),
    ...(routes.jwks ? [createJwksController(routes.jwksPath)] : []),
    ...settings.oauthNames.flatMap((name) => [
      createOAuthController(name, settings),
      createOAuthAssociateController(name, settings),
    ]),
  ];
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
