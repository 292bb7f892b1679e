import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseGuards, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBody, ApiConsumes, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { Authenticated } from '../decorators/authenticated.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { LoginDto } from '../dto/login.dto.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import type { AuthContext } from '../guards/users-auth.guard.js';
import { AcceptsMediaTypes } from '../http/content-type.guard.js';
import { badRequest } from '../http/http-errors.js';
import { sendTransportResponse } from '../http/reply.util.js';
import { createUsersAuthValidationPipe } from '../http/validation.pipe.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthModuleOptions } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { ApiErrorCodes } from '../swagger/error-responses.js';
import { AUTH_CONTEXT } from '../users-auth.constants.js';
import { MODULE_OPTIONS_TOKEN } from '../users-auth.module-definition.js';
import { getBackendToken } from '../users-auth.providers.js';

/** `POST /<authPath>/<name>/login` and `/logout` for one backend (fastapi-users' auth router). */
export function createAuthController(backendName: string, authPath: string): Type<unknown> {
  @ApiTags('auth')
  @Public()
  @Controller(`${authPath}/${backendName}`)
  class AuthController {
    constructor(
      @Inject(getBackendToken(backendName)) private readonly backend: AuthenticationBackend,
      @Inject(UserManager) private readonly users: UserManager<UserProtocol<unknown>, unknown>,
      @Inject(MODULE_OPTIONS_TOKEN) private readonly options: UsersAuthModuleOptions,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    @Post('login')
    @HttpCode(200)
    @UseGuards(AcceptsMediaTypes('form', 'json'))
    @ApiOperation({ operationId: `auth:${backendName}.login`, summary: `Log in (${backendName})` })
    @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
    @ApiBody({ type: LoginDto })
    @ApiErrorCodes([ErrorCode.LOGIN_BAD_CREDENTIALS, ErrorCode.LOGIN_USER_NOT_VERIFIED])
    async login(
      @Body(createUsersAuthValidationPipe()) credentials: LoginDto,
      @Req() request: unknown,
      @Res() response: unknown,
    ): Promise<unknown> {
      const user = await this.users.authenticate(credentials);
      // Unknown email, wrong password and inactive user must be indistinguishable.
      if (!user || !user.isActive) throw badRequest(ErrorCode.LOGIN_BAD_CREDENTIALS);
      if (this.options.requiresVerification && !user.isVerified) throw badRequest(ErrorCode.LOGIN_USER_NOT_VERIFIED);
      const answer = await this.backend.login(user);
      await this.users.onAfterLogin(user, request, answer);
      return sendTransportResponse(this.adapterHost.httpAdapter, response, answer);
    }

    @Post('logout')
    @HttpCode(204)
    @Authenticated({ backends: [backendName] })
    @ApiOperation({ operationId: `auth:${backendName}.logout`, summary: `Log out (${backendName})` })
    @ApiNoContentResponse({ description: 'Logged out. A stateless JWT stays valid until it expires.' })
    async logout(@Req() request: Record<PropertyKey, unknown>, @Res() response: unknown): Promise<unknown> {
      const { token } = request[AUTH_CONTEXT] as AuthContext;
      const answer = await this.backend.logout(token, request.user as UserProtocol<unknown>);
      return sendTransportResponse(this.adapterHost.httpAdapter, response, answer);
    }
  }
  Object.defineProperty(AuthController, 'name', { value: `AuthController_${backendName.replace(/\W/g, '_')}` });
  return AuthController;
}
