import { Authenticated, CurrentUser, type UserProtocol } from '@nest-users/core';
import { Controller, Get } from '@nestjs/common';

/** The part of your app under test. */
@Controller('notes')
@Authenticated()
export class NotesController {
  @Get()
  list(@CurrentUser() user: UserProtocol<string>) {
    return { owner: user.email, notes: [] };
  }
}
