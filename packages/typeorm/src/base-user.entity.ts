import { randomUUID } from 'node:crypto';
import type { UserProtocol } from '@nest-users/core';
import { BeforeInsert, Column, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The columns nest-users needs. Extend it with `@Entity()` and add your own columns; the email column carries the
 * unique index that keeps emails unique in any spelling (they are stored in core's `canonicalEmail` form).
 * @publicApi
 */
export abstract class BaseUserEntity<ID> implements UserProtocol<ID> {
  abstract id: ID;

  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 1024 })
  hashedPassword!: string;

  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'boolean', default: false })
  isSuperuser!: boolean;

  @Column({ type: 'boolean', default: false })
  isVerified!: boolean;
}

/**
 * `BaseUserEntity` with a random UUID primary key (the default id type), assigned on insert of an entity instance
 * (`repository.create(…)`); a plain-object insert must set `id` itself.
 * @publicApi
 */
export abstract class BaseUserEntityUUID extends BaseUserEntity<string> {
  // Generated here rather than by a column default: PostgreSQL then needs no uuid-ossp/pgcrypto extension (TypeORM
  // would otherwise try to install one at connect), and every driver makes ids the same way, as fastapi-users does.
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @BeforeInsert()
  protected assignId(): void {
    this.id ??= randomUUID();
  }
}

/** `BaseUserEntity` with an auto-increment integer primary key; pair it with an integer `parseId`. @publicApi */
export abstract class BaseUserEntityInt extends BaseUserEntity<number> {
  @PrimaryGeneratedColumn('increment')
  id!: number;
}
