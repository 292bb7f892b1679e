import { Authenticated, CurrentUser } from '@nest-users/core';
import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Repository } from 'typeorm';
import type { User } from '../users/user.entity.js';
import { CreateNoteDto, NoteReadDto } from './note.dto.js';
import { Note } from './note.entity.js';

/** The caller's own notes. Every query is scoped to the owner, so other users' notes simply do not exist here. */
@ApiTags('notes')
@Authenticated()
@Controller('notes')
export class NotesController {
  constructor(@InjectRepository(Note) private readonly notes: Repository<Note>) {}

  @Get()
  @ApiOkResponse({ type: [NoteReadDto] })
  async list(@CurrentUser() user: User): Promise<NoteReadDto[]> {
    const notes = await this.notes.find({ where: { owner: { id: user.id } }, order: { createdAt: 'ASC' } });
    return notes.map(NoteReadDto.from);
  }

  @Post()
  @ApiCreatedResponse({ type: NoteReadDto })
  async create(@CurrentUser() user: User, @Body() body: CreateNoteDto): Promise<NoteReadDto> {
    const note = await this.notes.save(this.notes.create({ text: body.text, owner: { id: user.id } }));
    return NoteReadDto.from(note);
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
    const { affected } = await this.notes.delete({ id, owner: { id: user.id } });
    // Someone else's note answers like a missing one: 404, not 403, so ids reveal nothing.
    if (!affected) throw new NotFoundException({ statusCode: 404, detail: 'Not Found' });
  }
}
