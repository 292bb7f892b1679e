import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Note } from './note.entity.js';
import { NotesController } from './notes.controller.js';
import { NotesGateway } from './notes.gateway.js';
import { NotesResolver } from './notes.resolver.js';
import { NotesService } from './notes.service.js';

/** The notes over REST (`/notes`), GraphQL (`/graphql`) and socket.io (namespace `/notes`, pushed events). */
@Module({
  imports: [TypeOrmModule.forFeature([Note])],
  controllers: [NotesController],
  providers: [NotesService, NotesResolver, NotesGateway],
})
export class NotesModule {}
