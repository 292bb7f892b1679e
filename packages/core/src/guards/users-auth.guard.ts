import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { StoreUnavailableError } from '../errors/store.errors.js';
import { forbidden, NO_STORE, RETRY_AFTER_SECONDS, serviceUnavailable, unauthorized } from '../http/http-errors.js';
import type { AuthenticatedOptions } from '../interfaces/authenticated-options.interface.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthModuleOptions, UsersAuthSettings } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { MODULE_OPTIONS_TOKEN } from '../users-auth.module-definition.js';
import { AUTH_BACKENDS, AUTH_CONTEXT, AUTHENTICATED_METADATA, PUBLIC_METADATA, USERS_AUTH_SETTINGS } from '../users-auth.constants.js';

/** What the guard leaves on the request besides `user`. */
export interface AuthContext {
  backend: AuthenticationBackend;
  token: string;
  options: AuthenticatedOptions;
}

type AuthenticatedRequest = Record<PropertyKey, unknown> & { headers: Record<string, string | string[] | undefined> };

/**
 * Authenticates with the backends in declaration order (the first one that yields a user wins), then applies the
 * fastapi-users rules: no user or an inactive one → 401, unverified or non-superuser where required → 403.
 * Used by `@Authenticated()`, and as the global guard with `globalGuard: true`.
 * @publicApi
 */
@Injectable()
export class UsersAuthGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_BACKENDS) protected readonly backends: AuthenticationBackend[],
    @Inject(UserManager) protected readonly users: UserManager<UserProtocol<unknown>, unknown>,
    @Inject(USERS_AUTH_SETTINGS) protected readonly settings: UsersAuthSettings,
    @Inject(MODULE_OPTIONS_TOKEN) protected readonly options: UsersAuthModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirements = this.getRequirements(context);
    if (!requirements) return true;
    const request = this.getRequest(context);
    // With the global guard on, a route that also carries @Authenticated() reaches here twice.
    if ((request[AUTH_CONTEXT] as AuthContext | undefined)?.options === requirements) return true;

    const { verified = this.options.requiresVerification ?? false, active = true } = requirements;
    const found = await this.authenticateOrUnavailable(context, request, requirements.backends);
    const user = found?.user;
    let failure: 401 | 403 | undefined;
    if (!user || (active && !user.isActive)) failure = 401;
    else if ((verified && !user.isVerified) || (requirements.superuser && !user.isSuperuser)) failure = 403;

    if (failure && requirements.optional) {
      request.user = null;
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
    return true;
  }

  /** The request to authenticate; override for GraphQL or WebSocket contexts. */
  protected getRequest(context: ExecutionContext): AuthenticatedRequest {
    return context.switchToHttp().getRequest();
  }

  /** The requirements of this route, or `undefined` when it is public. Handler metadata beats class metadata. */
  protected getRequirements(context: ExecutionContext): AuthenticatedOptions | undefined {
    for (const target of [context.getHandler(), context.getClass()]) {
      if (this.reflector.get<boolean>(PUBLIC_METADATA, target)) return undefined;
      const requirements = this.reflector.get<AuthenticatedOptions>(AUTHENTICATED_METADATA, target);
      if (requirements) return requirements;
    }
    return this.settings.globalGuard ? this.settings.globalRequirements : undefined;
  }

  private async authenticateOrUnavailable(context: ExecutionContext, request: AuthenticatedRequest, names?: string[]) {
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
    names?: string[],
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

  private carriesToken(request: AuthenticatedRequest, names?: string[]): boolean {
    return this.backends.some(
      (backend) => (!names || names.includes(backend.name)) && backend.transport.extractToken(request) !== undefined,
    );
  }

  private setHeader(context: ExecutionContext, name: string, value: string): void {
    const response = context.switchToHttp().getResponse();
    if (response) this.adapterHost.httpAdapter.setHeader(response, name, value);
  }
}
