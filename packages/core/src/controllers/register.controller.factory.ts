import { Body, Controller, Header, HttpCode, Inject, Post, Req, UseGuards, UseFilters, type Type } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator.js';
import { createUserReader } from '../dto/user-reader.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import { AcceptsMediaTypes } from '../http/content-type.guard.js';
import { mapUserWriteError, REGISTER_ERRORS } from '../http/error-mapping.js';
import { NO_STORE } from '../http/http-errors.js';
import { StoreUnavailableFilter } from '../http/store-unavailable.filter.js';
import { createUsersAuthValidationPipe } from '../http/validation.pipe.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthSettings } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager, type UserCreateInput } from '../manager/user-manager.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import { ApiErrorCodes } from '../swagger/error-responses.js';

/** `POST /<registerPath>/register` (fastapi-users' register router). */
export function createRegisterController(settings: UsersAuthSettings): Type<unknown> {
  const { routes, dto } = settings;
  const reader = createUserReader(settings);

  @ApiTags('auth')
  @Public()
  @UseFilters(StoreUnavailableFilter)
  @Controller(routes.registerPath)
  class RegisterController {
    constructor(@Inject(UserManager) private readonly users: UserManager<UserProtocol<unknown>, unknown>) {}

    @Post('register')
    @HttpCode(201)
    @RateLimited('register')
    @Header('Cache-Control', NO_STORE)
    @UseGuards(AcceptsMediaTypes('json'))
    @ApiOperation({ operationId: 'register:register', summary: 'Register a user' })
    @ApiBody({ type: dto.create })
    @ApiCreatedResponse({ type: reader.read })
    @ApiErrorCodes([
      ErrorCode.REGISTER_USER_ALREADY_EXISTS,
      { code: ErrorCode.REGISTER_INVALID_PASSWORD, reason: 'Password should be at least 8 characters' },
    ])
    async register(@Body(createUsersAuthValidationPipe(dto.create)) body: object, @Req() request: unknown) {
      let user: UserProtocol<unknown>;
      try {
        user = await this.users.create({ ...body } as UserCreateInput, { safe: true, request });
      } catch (error) {
        throw mapUserWriteError(error, REGISTER_ERRORS);
      }
      return reader.toJson(this.users, user);
    }
  }
  return RegisterController;
}
