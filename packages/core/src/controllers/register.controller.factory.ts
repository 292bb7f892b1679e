import { Body, Controller, HttpCode, Inject, Post, Req, UseGuards, type Type } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator.js';
import { UserCreateDto } from '../dto/register.dto.js';
import { toUserRead, UserReadDto } from '../dto/user-read.dto.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import { InvalidPasswordError, UserAlreadyExistsError } from '../errors/user.errors.js';
import { AcceptsMediaTypes } from '../http/content-type.guard.js';
import { badRequest } from '../http/http-errors.js';
import { createUsersAuthValidationPipe } from '../http/validation.pipe.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { ApiErrorCodes } from '../swagger/error-responses.js';

/** `POST /<authPath>/register` (fastapi-users' register router). */
export function createRegisterController(authPath: string): Type<unknown> {
  @ApiTags('auth')
  @Public()
  @Controller(authPath)
  class RegisterController {
    constructor(@Inject(UserManager) private readonly users: UserManager<UserProtocol<unknown>, unknown>) {}

    @Post('register')
    @HttpCode(201)
    @UseGuards(AcceptsMediaTypes('json'))
    @ApiOperation({ operationId: 'register:register', summary: 'Register a user' })
    @ApiCreatedResponse({ type: UserReadDto })
    @ApiErrorCodes([
      ErrorCode.REGISTER_USER_ALREADY_EXISTS,
      { code: ErrorCode.REGISTER_INVALID_PASSWORD, reason: 'Password should be at least 8 characters' },
    ])
    async register(@Body(createUsersAuthValidationPipe()) body: UserCreateDto, @Req() request: unknown) {
      try {
        return toUserRead(await this.users.create({ ...body }, { safe: true, request }));
      } catch (error) {
        if (error instanceof UserAlreadyExistsError) throw badRequest(ErrorCode.REGISTER_USER_ALREADY_EXISTS);
        if (error instanceof InvalidPasswordError) {
          throw badRequest({ code: ErrorCode.REGISTER_INVALID_PASSWORD, reason: error.reason });
        }
        throw error;
      }
    }
  }
  return RegisterController;
}
