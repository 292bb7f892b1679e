import { Controller, Get, type Type } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../decorators/authenticated.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { toUserRead, UserReadDto } from '../dto/user-read.dto.js';

/** `GET /<usersPath>/me` (fastapi-users' users router). */
export function createUsersController(usersPath: string): Type<unknown> {
  @ApiTags('users')
  @Controller(usersPath)
  class UsersController {
    @Get('me')
    @Authenticated()
    @ApiOperation({ operationId: 'users:current_user', summary: 'The current user' })
    @ApiOkResponse({ type: UserReadDto })
    me(@CurrentUser() user: object) {
      return toUserRead(user);
    }
  }
  return UsersController;
}
