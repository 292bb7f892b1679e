import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { StoreUnavailableError } from '../errors/store.errors.js';
import { forbidden, NO_STORE, RETRY_AFTER_SECONDS, serviceUnavailable, unauthorized } from '../http/http-errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { ResolvedUsersAuthOptions } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { AUTH_BACKENDS, AUTH_CONTEXT, AUTH_REQUIREMENTS, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import { resolveRouteRequirements, type RouteRequirements } from './auth-requirements.js';

/** What the guard leaves on the request besides `user`. */
export interface AuthContext {
  backend: AuthenticationBackend;
  token: string;
  options: RouteRequirements;
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

type AuthenticatedRequest = Record<PropertyKey, unknown> & { headers: Record<string, string | string[] | undefined> };

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
    const request = this.getRequest(context);
    // With the global guard on, a route that also carries @Authenticated() reaches here twice.
    if (request[AUTH_REQUIREMENTS] === requirements) return true;

    const { verified, active } = requirements;
    const found = await this.authenticateOrUnavailable(context, request, requirements.backends);
    const user = found?.user;
    let failure: 401 | 403 | undefined;
    if (!user || (active && !user.isActive)) failure = 401;
    else if ((verified && !user.isVerified) || (requirements.superuser && !user.isSuperuser)) failure = 403;

    if (failure && requirements.optional) {
      request.user = null;
      request[AUTH_REQUIREMENTS] = requirements;
      return true;
    }
    if (failure === 401) {
      const sentToken = found !== undefined || this.carriesToken(request, requirements.backends);
      this.setHeader(context, 'WWW-Authenticate', sentToken ? 'Bearer error="invalid_token"' : 'Bearer');
      throw unauthorized();
    }
    if (failure === 403) throw forbidden();
    // A cookie rides along with cross-site requests: a state change must come from the app's own pages (CSRF).
    if (!found!.backend.transport.isTrustedOrigin(request)) throw forbidden();
    // What an authenticated route answers is this user's: no cache may keep it. A handler's @Header() still wins.
    this.setHeader(context, 'Cache-Control', NO_STORE);
    request.user = user;
    request[AUTH_CONTEXT] = { backend: found!.backend, token: found!.token, options: requirements };
    request[AUTH_REQUIREMENTS] = requirements;
    return true;
  }

  /** The request to authenticate; override for GraphQL or WebSocket contexts. */
  protected getRequest(context: ExecutionContext): AuthenticatedRequest {
    return context.switchToHttp().getRequest();
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

  private async authenticateOrUnavailable(context: ExecutionContext, request: AuthenticatedRequest, names?: readonly string[]) {
    try {
      return await this.authenticate(request, names);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // Fail closed, and never as 401: a client must not drop a good token because the store is down.
      this.setHeader(context, 'Retry-After', String(RETRY_AFTER_SECONDS));
      throw serviceUnavailable();
    }
  }

  /** The first backend, among `names`, whose token yields a user. */
  protected async authenticate(
    request: AuthenticatedRequest,
    names?: readonly string[],
  ): Promise<(Omit<AuthContext, 'options'> & { user: UserProtocol<unknown> }) | undefined> {
    for (const backend of this.backends) {
      if (names && !names.includes(backend.name)) continue;
      const token = backend.transport.extractToken(request);
      if (!token) continue;
      const user = await backend.strategy.readToken(token, this.users);
      if (user) return { backend, token, user };
    }
    return undefined;
  }

  private carriesToken(request: AuthenticatedRequest, names?: readonly string[]): boolean {
    return this.backends.some(
      (backend) => (!names || names.includes(backend.name)) && backend.transport.extractToken(request) !== undefined,
    );
  }

  private setHeader(context: ExecutionContext, name: string, value: string): void {
    const response = context.switchToHttp().getResponse();
    if (response) this.adapterHost.httpAdapter.setHeader(response, name, value);
  }
}
