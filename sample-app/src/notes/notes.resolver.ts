import { Authenticated, CurrentUser } from '@nest-users/core';
import { ParseUUIDPipe } from '@nestjs/common';
import { Args, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { User } from '../users/user.entity.js';
import { NOTE_MAX_LENGTH } from './note.entity.js';
import { NotesService } from './notes.service.js';

@ObjectType('Note')
export class NoteObject {
  @Field(() => ID)
  id!: string;

  @Field()
  text!: string;

  @Field()
  createdAt!: Date;
}

/** The caller, as GraphQL shows it: the same fields as `GET /users/me`. */
@ObjectType('Me')
export class MeObject {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  isActive!: boolean;

  @Field()
  isVerified!: boolean;

  @Field()
  isSuperuser!: boolean;

  @Field(() => String, { nullable: true })
  displayName?: string | null;
}

@InputType()
export class CreateNoteInput {
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NOTE_MAX_LENGTH)
  text!: string;
}

/** The notes of `/notes` over GraphQL, on the same rules: the caller's own, and only with a valid token. */
@Resolver()
@Authenticated()
export class NotesResolver {
  constructor(private readonly service: NotesService) {}

  @Query(() => MeObject)
  me(@CurrentUser() user: User): MeObject {
    return user;
  }

  @Query(() => [NoteObject])
  notes(@CurrentUser() user: User): Promise<NoteObject[]> {
    return this.service.list(user.id);
  }

  @Mutation(() => NoteObject)
  createNote(@CurrentUser() user: User, @Args('input') input: CreateNoteInput): Promise<NoteObject> {
    return this.service.create(user.id, input.text);
  }

  /** `false` when no note of the caller has this id (someone else's included: ids reveal nothing). */
  @Mutation(() => Boolean)
  deleteNote(
    @CurrentUser() user: User,
    @Args('id', { type: () => ID }, new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string,
  ): Promise<boolean> {
    return this.service.remove(user.id, id);
  }
}
