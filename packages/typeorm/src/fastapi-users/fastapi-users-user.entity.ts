import { randomUUID } from 'node:crypto';
import { publicUserFields, type UserProtocol } from '@nest-users/core';
import { Exclude } from 'class-transformer';
import { BeforeInsert, Column, Index, PrimaryColumn } from 'typeorm';

/**
 * fastapi-users' `user` table (`SQLAlchemyBaseUserTableUUID` of fastapi-users-db-sqlalchemy) as it is, read and written
 * under nest-users' property names: `hashed_password`, `is_active`, `is_superuser`, `is_verified` are the columns,
 * `hashedPassword`, `isActive`, `isSuperuser`, `isVerified` the properties, and the email's unique index keeps
 * SQLAlchemy's name (`ix_user_email`). Extend it with `@Entity('user')` and add the columns your fastapi-users model
 * added, under their own names. An existing database needs no change.
 *
 * The table has no column defaults (SQLAlchemy sets them in Python), so new rows get their id (a random UUID) and
 * flags (`isActive` true, the others false) here, before insert. The password hash never serializes (`toJSON()` and
 * `@Exclude()`, as `BaseUserEntity`).
 * @publicApi
 */
export abstract class FastApiUsersUserEntity implements UserProtocol<string> {
  /** `UUID` on PostgreSQL, `CHAR(36)` on SQLite (SQLAlchemy's `GUID`): the lower-case hyphenated form either way. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('ix_user_email', { unique: true })
  @Column({ type: 'varchar', length: 320 })
  email!: string;

  @Exclude()
  @Column({ name: 'hashed_password', type: 'varchar', length: 1024 })
  hashedPassword!: string;

  @Column({ name: 'is_active', type: 'boolean' })
  isActive!: boolean;

  @Column({ name: 'is_superuser', type: 'boolean' })
  isSuperuser!: boolean;

  @Column({ name: 'is_verified', type: 'boolean' })
  isVerified!: boolean;

  @BeforeInsert()
  protected assignDefaults(): void {
    this.id ??= randomUUID();
    this.isActive ??= true;
    this.isSuperuser ??= false;
    this.isVerified ??= false;
  }

  toJSON(): Record<string, unknown> {
    return publicUserFields(this);
  }
}

/**
 * `FastApiUsersUserEntity` plus the one column nest-users adds: `security_stamp`, renewed by "log out everywhere",
 * which thereby also ends pending reset and verification tokens. Nullable, so adding it needs no data:
 * `ALTER TABLE "user" ADD COLUMN security_stamp VARCHAR(64)` (PostgreSQL and SQLite alike). fastapi-users ignores it,
 * so both can run on the table during a migration.
 * @publicApi
 */
export abstract class FastApiUsersUserEntityWithSecurityStamp extends FastApiUsersUserEntity {
  @Exclude()
  @Column({ name: 'security_stamp', type: 'varchar', length: 64, nullable: true })
  securityStamp!: string | null;
}
