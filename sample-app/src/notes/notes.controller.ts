import { Authenticated, CurrentUser } from '@nest-users/core';
import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { User } from '../users/user.entity.js';
import { CreateNoteDto, NoteReadDto } from './note.dto.js';
import { NotesService } from './notes.service.js';

/** The caller's own notes (see NotesService: other users' notes simply do not exist here). */
@ApiTags('notes')
@Authenticated()
@Controller('notes')
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @Get()
  @ApiOkResponse({ type: [NoteReadDto] })
  async list(@CurrentUser() user: User): Promise<NoteReadDto[]> {
    return this.notes.list(user.id);
  }

  @Post()
  @ApiCreatedResponse({ type: NoteReadDto })
  async create(@CurrentUser() user: User, @Body() body: CreateNoteDto): Promise<NoteReadDto> {
    return this.notes.create(user.id, body.text);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ description: 'No such note among yours.' })
  async remove(
    @CurrentUser() user: User,
    // A malformed id is refused before it reaches PostgreSQL's uuid column.
    @Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string,
  ): Promise<void> {
    // Someone else's note answers like a missing one: 404, not 403, so ids reveal nothing.
    if (!(await this.notes.remove(user.id, id))) throw new NotFoundException({ statusCode: 404, detail: 'Not Found' });
  }
}
