import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { NOTE_MAX_LENGTH, type Note } from './note.entity.js';

/** Body of `POST /notes`. */
export class CreateNoteDto {
  @ApiProperty({ minLength: 1, maxLength: NOTE_MAX_LENGTH, example: 'Buy milk' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NOTE_MAX_LENGTH)
  text!: string;
}

/** A note as the API shows it: never its owner row (which holds a password hash). */
export class NoteReadDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  text!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: Date;

  static from({ id, text, createdAt }: Note): NoteReadDto {
    return { id, text, createdAt };
  }
}
