import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Req,
  UseGuards,
  UseFilters,
  type Type,
} from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../decorators/authenticated.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { ErrorDto } from '../dto/error.dto.js';
import { createUserReader } from '../dto/user-reader.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import { AcceptsMediaTypes } from '../http/content-type.guard.js';
import { mapUserWriteError, UPDATE_ERRORS } from '../http/error-mapping.js';
import { NO_STORE } from '../http/http-errors.js';
import { StoreUnavailableFilter } from '../http/store-unavailable.filter.js';
import { createUsersAuthValidationPipe } from '../http/validation.pipe.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthSettings } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager, type UserUpdateInput } from '../manager/user-manager.js';
import { ApiErrorCodes } from '../swagger/error-responses.js';

type AnyUser = UserProtocol<unknown>;

const UPDATE_ERROR_EXAMPLES = [
  ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS,
  { code: ErrorCode.UPDATE_USER_INVALID_PASSWORD, reason: 'Password should be at least 8 characters' },
];

/** `GET/PATCH /<usersPath>/me` and the superuser routes `GET/PATCH/DELETE /<usersPath>/{id}` (fastapi-users' users router). */
export function createUsersController(settings: UsersAuthSettings): Type<unknown> {
  const { routes, dto } = settings;
  const reader = createUserReader(settings);

  @ApiTags('users')
  @UseFilters(StoreUnavailableFilter)
  @Controller(routes.usersPath)
  class UsersController {
    constructor(@Inject(UserManager) private readonly users: UserManager<AnyUser, unknown>) {}

    @Get('me')
    @Header('Cache-Control', NO_STORE)
    @Authenticated()
    @ApiOperation({ operationId: 'users:current_user', summary: 'The current user' })
    @ApiOkResponse({ type: reader.read })
    me(@CurrentUser() user: AnyUser) {
      return reader.toJson(this.users, user);
    }

    @Patch('me')
    @Header('Cache-Control', NO_STORE)
    @Authenticated()
    @UseGuards(AcceptsMediaTypes('json'))
    @ApiOperation({ operationId: 'users:patch_current_user', summary: 'Update the current user' })
    @ApiBody({ type: dto.update })
    @ApiOkResponse({ type: reader.read })
    @ApiErrorCodes(UPDATE_ERROR_EXAMPLES)
    async updateMe(
      @CurrentUser() user: AnyUser,
      @Body(createUsersAuthValidationPipe(dto.update)) body: object,
      @Req() request: unknown,
    ) {
      return this.update(user, body, true, request);
    }

    @Get(':id')
    @Header('Cache-Control', NO_STORE)
    @Authenticated({ superuser: true })
    @ApiOperation({ operationId: 'users:user', summary: 'A user (superusers only)' })
    @ApiOkResponse({ type: reader.read })
    @ApiNotFoundResponse({ type: ErrorDto })
    async get(@Param('id') id: string) {
      return reader.toJson(this.users, await this.find(id));
    }

    @Patch(':id')
    @Header('Cache-Control', NO_STORE)
    @Authenticated({ superuser: true })
    @UseGuards(AcceptsMediaTypes('json'))
    @ApiOperation({ operationId: 'users:patch_user', summary: 'Update a user, flags included (superusers only)' })
    @ApiBody({ type: dto.adminUpdate })
    @ApiOkResponse({ type: reader.read })
    @ApiNotFoundResponse({ type: ErrorDto })
    @ApiErrorCodes(UPDATE_ERROR_EXAMPLES)
    async patch(
      @Param('id') id: string,
      @Body(createUsersAuthValidationPipe(dto.adminUpdate)) body: object,
      @Req() request: unknown,
    ) {
      return this.update(await this.find(id), body, false, request);
    }

    @Delete(':id')
    @HttpCode(204)
    @Authenticated({ superuser: true })
    @ApiOperation({ operationId: 'users:delete_user', summary: 'Delete a user (superusers only)' })
    @ApiNoContentResponse({ description: 'Deleted.' })
    @ApiNotFoundResponse({ type: ErrorDto })
    async delete(@Param('id') id: string, @Req() request: unknown): Promise<void> {
      await this.users.delete(await this.find(id), { request });
    }

    /** Malformed and unknown ids are both 404: the route is for superusers, who need no other hint. */
    private async find(id: string): Promise<AnyUser> {
      const user = await this.users.findById(id);
      if (!user) throw new NotFoundException({ statusCode: 404, detail: 'Not Found' });
      return user;
    }

    /** `safe` for the self-service route: no status fields, and `currentPassword` for a password or email change. */
    private async update(user: AnyUser, body: object, safe: boolean, request: unknown) {
      let updated: AnyUser;
      try {
        updated = await this.users.update(user, { ...body } as UserUpdateInput, { safe, request });
      } catch (error) {
        throw mapUserWriteError(error, UPDATE_ERRORS);
      }
      return reader.toJson(this.users, updated);
    }
  }
  return UsersController;
}
