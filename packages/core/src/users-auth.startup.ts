import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit, type Type } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig, DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { AuthenticationBackend } from './backend/authentication-backend.js';
import { currentUserFactory } from './decorators/current-user.decorator.js';
import { UsersAuthConfigurationError } from './errors/configuration.errors.js';
import { resolveRouteRequirements } from './guards/auth-requirements.js';
import { carriesUsersAuthGuard, UsersAuthGuard } from './guards/users-auth.guard.js';
import type { ResolvedUsersAuthOptions } from './interfaces/users-auth-module-options.interface.js';
import { AUTH_BACKENDS, USERS_AUTH_OPTIONS } from './users-auth.constants.js';

/** Access tokens living longer than this get a startup warning (a stolen one stays useful that long). */
export const ACCESS_LIFETIME_WARNING_SECONDS = 24 * 3600;
/** Refresh tokens living longer than this get a startup warning. */
export const REFRESH_LIFETIME_WARNING_SECONDS = 90 * 24 * 3600;

/**
 * Checks at startup what would otherwise fail open or surface at the first request: the requirements of every
 * route of the app (unknown backends, `@Public()` with `@Authenticated()`, relaxations without `override`),
 * `@CurrentUser()` on routes no guard authenticates, and token lifetimes worth a warning.
 */
@Injectable()
export class UsersAuthStartupChecks implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('UsersAuthModule');

  constructor(
    @Inject(AUTH_BACKENDS) private readonly backends: AuthenticationBackend[],
    @Inject(USERS_AUTH_OPTIONS) private readonly options: ResolvedUsersAuthOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly config: ApplicationConfig,
  ) {}

  onModuleInit(): void {
    for (const backend of this.backends) {
      const access = (backend.strategy as { lifetimeSeconds?: unknown }).lifetimeSeconds;
      if (typeof access === 'number' && access > ACCESS_LIFETIME_WARNING_SECONDS) {
        this.logger.warn(
          `Backend "${backend.name}": access tokens live ${access} s, more than 24 h. A stolen token stays usable that ` +
            'long; prefer a short lifetime with refresh tokens.',
        );
      }
      const refresh = backend.refresh?.lifetimeSeconds;
      if (typeof refresh === 'number' && refresh > REFRESH_LIFETIME_WARNING_SECONDS) {
        this.logger.warn(`Backend "${backend.name}": refresh tokens live ${refresh} s, more than 90 days.`);
      }
    }
  }

  onApplicationBootstrap(): void {
    const defaults = this.options.requirementDefaults;
    const globalGuards = this.config.getGlobalGuards();
    const guardedEverywhere = this.options.globalGuard || globalGuards.some((guard) => guard instanceof UsersAuthGuard);
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type<unknown> | undefined;
      if (!controller?.prototype) continue;
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[name] as Function;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const requirements = resolveRouteRequirements(controller, handler, defaults);
        if (!readsCurrentUser(controller, name)) continue;
        const route = `${controller.name}.${name}`;
        if (!requirements) {
          throw new UsersAuthConfigurationError(
            `@CurrentUser() on ${route}, which is @Public(): no user is ever authenticated there. ` +
              'Use @Authenticated({ optional: true }) for a route open to anonymous callers that still wants the user.',
          );
        }
        const ours = guardedEverywhere || carriesUsersAuthGuard(handler, controller);
        // Another guard (AuthGuard('users-auth:<name>'), the app's own) may set the user: checked per request then.
        if (!ours && !hasGuards(handler, controller) && globalGuards.length === 0) {
          throw new UsersAuthConfigurationError(
            `@CurrentUser() on ${route}, which no guard authenticates: add @Authenticated() to it or its controller.`,
          );
        }
      }
    }
  }
}

function readsCurrentUser(controller: Function, method: string): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { factory?: unknown }>;
  return Object.values(args).some((arg) => arg.factory === currentUserFactory);
}

function hasGuards(...targets: object[]): boolean {
  return targets.some((target) => ((Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? []).length > 0);
}
