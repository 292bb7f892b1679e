import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit, type Type } from '@nestjs/common';
import { GUARDS_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig, DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
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
 * `@CurrentUser()` on routes, resolvers and gateway message handlers no guard authenticates, and token lifetimes worth a warning.
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
    const fieldGuardsOff = this.fieldResolversWithoutGuards();
    for (const { owner, kind, name, handler } of this.handlers()) {
      const requirements = resolveRouteRequirements(owner, handler, defaults);
      if (!readsCurrentUser(owner, name)) continue;
      const route = `${owner.name}.${name}`;
      if (fieldGuardsOff && Reflect.getMetadata(RESOLVE_FIELD_METADATA, handler) !== undefined) {
        throw new UsersAuthConfigurationError(
          `@CurrentUser() on the field resolver ${route}, but no guard runs on field resolvers: add ` +
            "`fieldResolverEnhancers: ['guards']` to GraphQLModule's options.",
        );
      }
      if (!requirements) {
        throw new UsersAuthConfigurationError(
          `@CurrentUser() on ${route}, which is @Public(): no user is ever authenticated there. ` +
            'Use @Authenticated({ optional: true }) for a route open to anonymous callers that still wants the user.',
        );
      }
      const ours = guardedEverywhere || carriesUsersAuthGuard(handler, owner);
      // Another guard (AuthGuard('users-auth:<name>'), the app's own) may set the user: checked per request then.
      if (!ours && !hasGuards(handler, owner) && globalGuards.length === 0) {
        throw new UsersAuthConfigurationError(
          `@CurrentUser() on ${route}, which no guard authenticates: add @Authenticated() to it or its ${kind}.`,
        );
      }
    }
  }

  /**
   * Whether a GraphQL module of the app leaves guards off field resolvers (`@nestjs/graphql` runs them there only
   * with `fieldResolverEnhancers: ['guards']`): `@CurrentUser()` on a `@ResolveField()` would never get a user.
   */
  private fieldResolversWithoutGuards(): boolean {
    return this.discovery.getProviders().some((wrapper) => {
      if (wrapper.token !== GRAPHQL_MODULE_OPTIONS) return false;
      const options = wrapper.instance as { fieldResolverEnhancers?: unknown } | undefined;
      const enhancers = options?.fieldResolverEnhancers;
      return !(Array.isArray(enhancers) && enhancers.includes('guards'));
    });
  }

  /**
   * Every handler guards run on: controller routes, GraphQL resolver methods (queries, mutations, subscriptions,
   * field resolvers) and gateway message handlers. Resolvers and gateways are providers, recognised by the metadata
   * `@nestjs/graphql` and `@nestjs/websockets` leave (read by key: both are optional, core imports neither).
   */
  private *handlers(): Generator<{ owner: Function; kind: HandlerKind; name: string; handler: Function }> {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type<unknown> | undefined;
      if (!controller?.prototype) continue;
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[name] as Function;
        if (Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
          yield { owner: controller, kind: 'controller', name, handler };
      }
    }
    const seen = new Set<Function>();
    for (const wrapper of this.discovery.getProviders()) {
      const provider = providerClass(wrapper);
      if (!provider || seen.has(provider)) continue;
      seen.add(provider);
      const gateway = Reflect.getMetadata(GATEWAY_METADATA, provider) === true;
      for (const name of this.scanner.getAllMethodNames(provider.prototype as object)) {
        const handler = (provider.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        if (gateway && Reflect.getMetadata(MESSAGE_MAPPING_METADATA, handler) === true) {
          yield { owner: provider, kind: 'gateway', name, handler };
        } else if (RESOLVER_METHOD_METADATA.some((key) => Reflect.getMetadata(key, handler) !== undefined)) {
          yield { owner: provider, kind: 'resolver', name, handler };
        }
      }
    }
  }
}

type HandlerKind = 'controller' | 'resolver' | 'gateway';

/** `@nestjs/websockets`: a `@WebSocketGateway()` class, a `@SubscribeMessage()` method. */
const GATEWAY_METADATA = 'websockets:is_gateway';
const MESSAGE_MAPPING_METADATA = 'websockets:message_mapping';
/** `@nestjs/graphql`: `@Query()`, `@Mutation()`, `@Subscription()` (their type), `@ResolveField()`. */
const RESOLVE_FIELD_METADATA = 'graphql:resolve_property';
const RESOLVER_METHOD_METADATA = ['graphql:resolver_type', RESOLVE_FIELD_METADATA];
/** The token of `GraphQLModule`'s options. */
const GRAPHQL_MODULE_OPTIONS = 'GqlModuleOptions';

/** The class of a provider: its own for a class provider, its instance's for a factory or value provider. */
function providerClass(wrapper: InstanceWrapper): Function | undefined {
  const metatype = wrapper.metatype as Function | null | undefined;
  if (!wrapper.inject && typeof metatype === 'function' && metatype.prototype) return metatype;
  const instance: unknown = wrapper.instance;
  if (typeof instance !== 'object' || instance === null) return undefined;
  const constructor = (instance as object).constructor;
  return constructor === Object ? undefined : constructor;
}

function readsCurrentUser(controller: Function, method: string): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { factory?: unknown }>;
  return Object.values(args).some((arg) => arg.factory === currentUserFactory);
}

function hasGuards(...targets: object[]): boolean {
  return targets.some((target) => ((Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? []).length > 0);
}
