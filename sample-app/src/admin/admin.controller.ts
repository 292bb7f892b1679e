import { Authenticated } from '@nest-users/core';
import { Controller, Get } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Repository } from 'typeorm';
import { Note } from '../notes/note.entity.js';
import { User } from '../users/user.entity.js';

class StatsDto {
  @ApiProperty()
  users!: number;

  @ApiProperty()
  notes!: number;
}

/** Superusers only: a normal user gets 403, an anonymous caller 401. */
@ApiTags('admin')
@Authenticated({ superuser: true })
@Controller('admin')
export class AdminController {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Note) private readonly notes: Repository<Note>,
  ) {}

  @Get('stats')
  @ApiOkResponse({ type: StatsDto })
  async stats(): Promise<StatsDto> {
    const [users, notes] = await Promise.all([this.users.count(), this.notes.count()]);
    return { users, notes };
  }
}
