import { BaseUserEntityUUID } from '@nest-users/typeorm';
import { Entity } from 'typeorm';

/** The user table of the bench apps: exactly the quick start's entity. */
@Entity('user')
export class BenchUser extends BaseUserEntityUUID {}
