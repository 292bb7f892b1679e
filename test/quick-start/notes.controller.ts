// src/notes.controller.ts
import { Authenticated, CurrentUser } from '@nest-users/core';
import { Controller, Get } from '@nestjs/common';
import { User } from './user.entity.js';

@Controller('notes')
@Authenticated()
export class NotesController {
  @Get() list(@CurrentUser() user: User) { return { owner: user.email, notes: [] }; }
}
