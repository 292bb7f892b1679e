// src/user.entity.ts
import { BaseUserEntityUUID } from '@nest-users/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}
