import {
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { Authenticated } from '../decorators/authenticated.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { ErrorDto } from '../dto/error.dto.js';
import { LoginDto } from '../dto/login.dto.js';
import { RefreshDto } from '../dto/refresh.dto.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import type { AuthContext } from '../guards/users-auth.guard.js';
import { AcceptsMediaTypes } from '../http/content-type.guard.js';
import { badRequest, forbidden, unauthorized } from '../http/http-errors.js';
import { passTransportResponse } from '../http/reply.util.js';
import { StoreUnavailableFilter } from '../http/store-unavailable.filter.js';
import { createUsersAuthValidationPipe } from '../http/validation.pipe.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UserLookup } from '../strategy/strategy.interface.js';
import type { ResolvedUsersAuthOptions } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import { ApiErrorCodes } from '../swagger/error-responses.js';
import { AUTH_CONTEXT, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import { getBackendToken } from '../users-auth.providers.js';

type HttpRequest = Record<PropertyKey, unknown> & { headers: Record<string, string | string[] | undefined>; method?: string };

/** Raised inside a refresh when the token's user lacks the verification the module requires. */
class RefreshNotVerifiedError extends Error {}

/**
 * The users a refresh may serve: with `requiresVerification`, an unverified user is refused like on any protected
 * route (fastapi-users' rule: a known user missing a required status gets 403, not 401). The presented refresh
 * token is spent all the same: login refuses that user too until the email is verified.
 */
function verifiedOnly(users: UserLookup<UserProtocol<unknown>, unknown>): UserLookup<UserProtocol<unknown>, unknown> {
  return {
    parseId: (value) => users.parseId(value),
    get: async (id) => {
      const user = await users.get(id);
      if (user.isActive && !user.isVerified) throw new RefreshNotVerifiedError();
      return user;
    },
  };
}

/**
 * `POST /<authPath>/<name>/login`, `/logout`, `/logout-all` and `/refresh` for one backend (fastapi-users' auth
 * router, plus "log out everywhere" and refresh-token rotation).
 */
export function createAuthController(backendName: string, authPath: string): Type<unknown> {
  @ApiTags('auth')
  @Public()
  @UseFilters(StoreUnavailableFilter)
  @Controller(`${authPath}/${backendName}`)
  class AuthController {
    constructor(
      @Inject(getBackendToken(backendName)) private readonly backend: AuthenticationBackend,
      @Inject(UserManager) private readonly users: UserManager<UserProtocol<unknown>, unknown>,
      @Inject(USERS_AUTH_OPTIONS) private readonly options: ResolvedUsersAuthOptions,
      private readonly adapterHost: HttpAdapterHost,
    ) {
      // The transport fixes the status of a login or refresh (a bearer token 200, a cookie 204). Backends may come
      // from an async factory, so it is known only now, when Nest builds its controllers, before it maps the routes.
      const { status } = backend.transport.loginOpenApi;
      for (const method of ['login', 'refresh'] as const) {
        HttpCode(status)(AuthController.prototype, method, Object.getOwnPropertyDescriptor(AuthController.prototype, method)!);
      }
    }

    @Post('login')
    @RateLimited('login')
    @UseGuards(AcceptsMediaTypes('form', 'json'))
    @ApiOperation({ operationId: `auth:${backendName}.login`, summary: `Log in (${backendName})` })
    @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
    @ApiBody({ type: LoginDto })
    @ApiErrorCodes([ErrorCode.LOGIN_BAD_CREDENTIALS, ErrorCode.LOGIN_USER_NOT_VERIFIED])
    async login(
      @Body(createUsersAuthValidationPipe()) credentials: LoginDto,
      @Req() request: HttpRequest,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      // Login CSRF: another site must not log a browser into an attacker's account through a cookie backend.
      if (!this.backend.transport.isTrustedOrigin(request)) throw forbidden();
      const user = await this.users.authenticate(credentials);
      // Unknown email, wrong password and inactive user must be indistinguishable.
      if (!user || !user.isActive) throw badRequest(ErrorCode.LOGIN_BAD_CREDENTIALS);
      if (this.options.requiresVerification && !user.isVerified) throw badRequest(ErrorCode.LOGIN_USER_NOT_VERIFIED);
      const answer = await this.backend.login(user);
      await this.users.afterWrite('onAfterLogin', () => this.users.onAfterLogin(user, request, answer));
      return passTransportResponse(this.adapterHost.httpAdapter, response, answer);
    }

    @Post('logout')
    @HttpCode(204)
    // This backend's token, whatever backends the global guard allows elsewhere (its other requirements still apply).
    @Authenticated({ backends: [backendName], override: true })
    @ApiOperation({ operationId: `auth:${backendName}.logout`, summary: `Log out (${backendName})` })
    @ApiNoContentResponse({ description: 'Logged out. A stateless JWT stays valid until it expires.' })
    async logout(@Req() request: HttpRequest, @Res({ passthrough: true }) response: unknown): Promise<unknown> {
      const { token } = request[AUTH_CONTEXT] as AuthContext;
      const answer = await this.backend.logout(token, request.user as UserProtocol<unknown>);
      return passTransportResponse(this.adapterHost.httpAdapter, response, answer);
    }

    @Post('logout-all')
    @HttpCode(204)
    @Authenticated({ backends: [backendName], override: true })
    @ApiOperation({ operationId: `auth:${backendName}.logout_all`, summary: `Log out everywhere (${backendName})` })
    @ApiNoContentResponse({
      description: 'Every stored token and refresh token of the user ends, on every backend. Stateless JWTs end at their expiry.',
    })
    async logoutAll(@Req() request: HttpRequest, @Res({ passthrough: true }) response: unknown): Promise<unknown> {
      const { token } = request[AUTH_CONTEXT] as AuthContext;
      const user = request.user as UserProtocol<unknown>;
      await this.users.logoutEverywhere(user);
      return passTransportResponse(this.adapterHost.httpAdapter, response, await this.backend.logout(token, user));
    }

    @Post('refresh')
    @RateLimited('refresh')
    @UseGuards(AcceptsMediaTypes('form', 'json'))
    @ApiOperation({ operationId: `auth:${backendName}.refresh`, summary: `Rotate a refresh token (${backendName})` })
    @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
    @ApiBody({ type: RefreshDto })
    @ApiOkResponse({ description: 'A new access token and a new refresh token; the presented one is spent.' })
    @ApiUnauthorizedResponse({
      description: 'Unknown, expired or already used refresh token (reuse revokes its family).',
      type: ErrorDto,
    })
    @ApiForbiddenResponse({
      description: 'The user is not verified and the module requires it (the token is spent).',
      type: ErrorDto,
    })
    @ApiNotFoundResponse({ description: 'This backend has no refresh tokens.', type: ErrorDto })
    async refresh(
      @Body(createUsersAuthValidationPipe()) body: RefreshDto,
      @Req() request: HttpRequest,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      if (!this.backend.refresh) throw new NotFoundException({ statusCode: 404, detail: 'Not Found' });
      if (!this.backend.transport.isTrustedOrigin(request)) throw forbidden();
      const presented = this.backend.transport.extractRefreshToken(request, { ...body });
      const users = this.options.requiresVerification ? verifiedOnly(this.users) : this.users;
      const answer = presented && (await this.backend.refreshLogin(presented, users).catch(refusedIfUnverified));
      if (!answer) throw unauthorized();
      return passTransportResponse(this.adapterHost.httpAdapter, response, answer);
    }
  }
  function refusedIfUnverified(error: unknown): never {
    throw error instanceof RefreshNotVerifiedError ? forbidden() : error;
  }
  Object.defineProperty(AuthController, 'name', { value: `AuthController_${backendName.replace(/\W/g, '_')}` });
  return AuthController;
}
