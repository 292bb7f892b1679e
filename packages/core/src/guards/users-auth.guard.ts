import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { StoreUnavailableError } from '../errors/store.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { ResolvedUsersAuthOptions } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { AUTH_BACKENDS, AUTH_CONTEXT, AUTH_REQUIREMENTS, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import type { TokenCarrier } from '../transport/transport.interface.js';
import { authenticateConnections } from '../websockets/gateway-connections.js';
import { graphqlWsOnConnect, type GraphqlWsAuthOptions } from '../graphql/graphql-ws.connections.js';
import { mercuriusSubscription } from '../graphql/mercurius.connections.js';
import type { AuthenticatedOptions } from '../interfaces/authenticated-options.interface.js';
import {
  combineRequirements,
  resolveClassRequirements,
  resolveRouteRequirements,
  validateAuthenticatedOptions,
  type RouteRequirements,
} from './auth-requirements.js';
import { guardContextOf, type AuthFailure, type GuardContext } from './contexts/guard-contexts.js';

/** What the guard leaves besides `user` (on the HTTP request; per call for GraphQL resolvers and gateway messages). */
export interface AuthContext {
  backend: AuthenticationBackend;
  token: string;
  options: RouteRequirements;
}

/** A user a backend's token yields, with the backend and the token. */
export type AuthenticatedUser = Omit<AuthContext, 'options'> & { user: UserProtocol<unknown> };

/** What `UsersAuthGuard.check` finds: the user, a failure, or neither (an `optional` route without a user). */
export interface AuthOutcome {
  found?: AuthenticatedUser;
  failure?: AuthFailure;
  /** Whether a token was sent (and rejected): HTTP's `WWW-Authenticate` says `error="invalid_token"` then. */
  sentToken: boolean;
}

/** Whether `UsersAuthGuard` (or a subclass) is among the guards of a class or handler. */
export function carriesUsersAuthGuard(...targets: object[]): boolean {
  return targets.some((target) =>
    ((Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? []).some(
      (guard) =>
        guard instanceof UsersAuthGuard ||
        (typeof guard === 'function' && (guard === UsersAuthGuard || guard.prototype instanceof UsersAuthGuard)),
    ),
  );
}

/** A route's resolved requirements, or PUBLIC. */
const PUBLIC = Symbol('public');
type RouteCache = WeakMap<Function, WeakMap<Function, RouteRequirements | typeof PUBLIC>>;
/**
 * Per module instance (its options object), per controller and handler. Shared by every guard instance of one module
 * (Nest makes one per module that uses it), so a route guarded twice resolves to the same object and is checked once.
 */
const routeCaches = new WeakMap<object, RouteCache>();

/**
 * Authenticates with the backends in declaration order (the first one that yields a user wins), then applies the
 * fastapi-users rules: no user or an inactive one → 401, unverified or non-superuser where required → 403.
 * Wherever it runs (`@Authenticated()`, `@UseGuards(UsersAuthGuard)`, `APP_GUARD`, `useGlobalGuards`, `globalGuard:
 * true`) it fails closed: a route is authenticated with the combined requirements unless it is `@Public()`.
 * @publicApi
 */
@Injectable()
export class UsersAuthGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_BACKENDS) protected readonly backends: AuthenticationBackend[],
    @Inject(UserManager) protected readonly users: UserManager<UserProtocol<unknown>, unknown>,
    @Inject(USERS_AUTH_OPTIONS) protected readonly options: ResolvedUsersAuthOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirements = this.getRequirements(context);
    if (!requirements) return true;
    const piece = this.getGuardContext(context);
    const record = piece.record(context);
    // With the global guard on, a route that also carries @Authenticated() reaches here twice.
    if (piece.recordPerCall && record[AUTH_REQUIREMENTS] === requirements) return true;

    const outcome = await this.check(this.getRequest(context), requirements);
    if (outcome.failure) throw await piece.failure(context, outcome.failure, outcome.sentToken, this.adapterHost);
    const { found } = outcome;
    if (found) {
      piece.authenticated(context, this.adapterHost);
      record[AUTH_CONTEXT] = { backend: found.backend, token: found.token, options: requirements };
    }
    record.user = found?.user ?? null;
    record[AUTH_REQUIREMENTS] = requirements;
    return true;
  }

  /**
   * Authenticates `request` (its headers, as the transports read them) against `requirements`: the backends in
   * order, then the user rules, then the transport's origin check. An `optional` route without a valid user gets
   * neither a user nor a failure. Gateways use it for their handshake.
   */
  async check(request: TokenCarrier | undefined, requirements: RouteRequirements): Promise<AuthOutcome> {
    let found: AuthenticatedUser | undefined;
    try {
      found = request && (await this.authenticate(request, requirements.backends));
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // Fail closed, and never as 401: a client must not drop a good token because the store is down.
      return { failure: 'unavailable', sentToken: true };
    }
    const user = found?.user;
    let failure: AuthFailure | undefined;
    if (!user || (requirements.active && !user.isActive)) failure = 'unauthenticated';
    else if ((requirements.verified && !user.isVerified) || (requirements.superuser && !user.isSuperuser)) failure = 'forbidden';
    if (failure && requirements.optional) return { sentToken: false };
    if (failure === 'unauthenticated') {
      const sentToken = found !== undefined || (request !== undefined && this.carriesToken(request, requirements.backends));
      return { failure, sentToken };
    }
    if (failure) return { failure, sentToken: true };
    // A cookie rides along with cross-site requests: a state change must come from the app's own pages (CSRF).
    if (!found!.backend.transport.isTrustedOrigin(request!)) return { failure: 'forbidden', sentToken: true };
    return { found, sentToken: true };
  }

  /**
   * Authenticates every connection of a gateway once, at the handshake, with the gateway class's requirements (its
   * `@Authenticated()` and the global guard's): call it from `afterInit(server)`. The credentials are the upgrade
   * request's `Authorization` header or cookie, or socket.io's `auth` payload (`{ token }`); never the query string.
   * A refused socket.io client gets a `connect_error` whose `data.code` is `UNAUTHENTICATED`, `FORBIDDEN` or
   * `SERVICE_UNAVAILABLE`; a refused `ws` client is closed with 4401, 4403 or 1013. Message handlers are still
   * guarded one by one (a token that expired since, a handler's `@Authenticated({ superuser: true })`).
   * `connectionUser(client)` reads the user the handshake authenticated.
   */
  authenticateConnections(server: unknown, gateway: Function): void {
    const requirements = resolveClassRequirements(gateway, this.options.requirementDefaults);
    authenticateConnections(server, requirements, (request, checked) => this.check(request, checked));
  }

  /**
   * graphql-ws's `onConnect` for GraphQL subscriptions (`subscriptions: { 'graphql-ws': { onConnect } }`, in a
   * `GraphQLModule.forRootAsync` that injects this guard): the connection is authenticated from its
   * `connectionParams` (`{ authorization: 'Bearer <token>' }` or `{ token }`) or the upgrade request's cookie (with
   * the cookie transport's origin check), with the module's defaults and the global guard's requirements plus
   * `options.requirements`; a refused one is closed with 4401, 4403 or 1013. While it is open its token is checked
   * again every `recheckSeconds`: once it expired or was revoked, the connection closes (4401) and its subscriptions
   * end. `@Authenticated()` on each `@Subscription()` applies as well.
   */
  graphqlWsOnConnect(options: GraphqlWsAuthOptions & { requirements?: AuthenticatedOptions } = {}) {
    const requirements = this.connectionRequirements(options.requirements, 'graphqlWsOnConnect()', 'graphql-ws connections');
    return graphqlWsOnConnect((request, checked) => this.check(request, checked), requirements, options);
  }

  /**
   * The same for Mercurius's own subscription server: spread it into the driver's `subscription` options
   * (`subscription: { ...guard.mercuriusSubscription({ recheckSeconds }) }`). Its `onConnect` authenticates the
   * connection from the `connection_init` payload or the upgrade request's cookie, closes a refused one with 4401,
   * 4403 or 1013, and checks the token again every `recheckSeconds`.
   */
  mercuriusSubscription(options: GraphqlWsAuthOptions & { requirements?: AuthenticatedOptions } = {}) {
    const requirements = this.connectionRequirements(
      options.requirements,
      'mercuriusSubscription()',
      'Mercurius subscription connections',
    );
    return mercuriusSubscription((request, checked) => this.check(request, checked), requirements, options);
  }

  /** A subscription connection's requirements: the module's defaults, the global guard's, and the call's own. */
  private connectionRequirements(extra: AuthenticatedOptions | undefined, source: string, route: string) {
    const defaults = this.options.requirementDefaults;
    if (extra) validateAuthenticatedOptions(extra, source);
    return combineRequirements(
      [
        ...(defaults.global ? [{ source: 'globalGuard', options: defaults.global }] : []),
        ...(extra ? [{ source, options: extra }] : []),
      ],
      defaults,
      route,
    );
  }

  /**
   * What differs per context (HTTP, GraphQL, WebSocket): where the credentials are, where the user goes, how a
   * refusal looks. Override to support another context, or to change one (e.g. GraphQL error messages).
   */
  protected getGuardContext(context: ExecutionContext): GuardContext {
    return guardContextOf(context);
  }

  /** The headers (and method) the transports read: the HTTP request, the GraphQL context's, a gateway's handshake. */
  protected getRequest(context: ExecutionContext): TokenCarrier | undefined {
    return this.getGuardContext(context).request(context);
  }

  /**
   * The combined requirements of this route (global guard, class, handler), or `undefined` when it is public.
   * A route without any metadata gets the defaults: the guard never lets a request through just because it runs.
   */
  protected getRequirements(context: ExecutionContext): RouteRequirements | undefined {
    const controller = context.getClass();
    const handler = context.getHandler();
    let cache = routeCaches.get(this.options);
    if (!cache) routeCaches.set(this.options, (cache = new WeakMap()));
    let byHandler = cache.get(controller);
    if (!byHandler) cache.set(controller, (byHandler = new WeakMap()));
    let resolved = byHandler.get(handler);
    if (!resolved) {
      resolved = resolveRouteRequirements(controller, handler, this.options.requirementDefaults) ?? PUBLIC;
      byHandler.set(handler, resolved);
    }
    return resolved === PUBLIC ? undefined : resolved;
  }

  /** The first backend, among `names`, whose token yields a user. */
  protected async authenticate(request: TokenCarrier, names?: readonly string[]): Promise<AuthenticatedUser | undefined> {
    for (const backend of this.backends) {
      if (names && !names.includes(backend.name)) continue;
      const token = backend.transport.extractToken(request);
      if (!token) continue;
      const user = await backend.strategy.readToken(token, this.users);
      if (user) return { backend, token, user };
    }
    return undefined;
  }

  private carriesToken(request: TokenCarrier, names?: readonly string[]): boolean {
    return this.backends.some(
      (backend) => (!names || names.includes(backend.name)) && backend.transport.extractToken(request) !== undefined,
    );
  }
}
