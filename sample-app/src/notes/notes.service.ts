import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Subject, type Observable } from 'rxjs';
import type { Repository } from 'typeorm';
import { NoteReadDto } from './note.dto.js';
import { Note } from './note.entity.js';

/** Something that happened to one of a user's notes: pushed to that user's sockets only. */
export interface NoteEvent {
  type: 'note.created' | 'note.deleted';
  ownerId: string;
  note: NoteReadDto;
}

/**
 * A user's own notes, for the REST controller, the GraphQL resolver and the gateway alike. Every query is scoped to
 * the owner, so other users' notes simply do not exist here.
 */
@Injectable()
export class NotesService implements OnModuleDestroy {
  private readonly changes = new Subject<NoteEvent>();
  /** Every note event of every user: the gateway routes each to its owner's room. */
  readonly events: Observable<NoteEvent> = this.changes.asObservable();

  constructor(@InjectRepository(Note) private readonly notes: Repository<Note>) {}

  async list(ownerId: string): Promise<NoteReadDto[]> {
    const notes = await this.notes.find({ where: { owner: { id: ownerId } }, order: { createdAt: 'ASC' } });
    return notes.map(NoteReadDto.from);
  }

  async create(ownerId: string, text: string): Promise<NoteReadDto> {
    const note = NoteReadDto.from(await this.notes.save(this.notes.create({ text, owner: { id: ownerId } })));
    this.changes.next({ type: 'note.created', ownerId, note });
    return note;
  }

  /** Deletes one of the owner's notes; `false` when there is none with this id among theirs. */
  async remove(ownerId: string, id: string): Promise<boolean> {
    const note = await this.notes.findOne({ where: { id, owner: { id: ownerId } } });
    if (!note) return false;
    await this.notes.delete({ id, owner: { id: ownerId } });
    this.changes.next({ type: 'note.deleted', ownerId, note: NoteReadDto.from(note) });
    return true;
  }

  onModuleDestroy(): void {
    this.changes.complete();
  }
}
