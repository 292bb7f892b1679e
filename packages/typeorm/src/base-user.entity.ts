import { randomUUID } from 'node:crypto';
import { publicUserFields, type UserProtocol } from '@nest-users/core';
import { Exclude } from 'class-transformer';
import { BeforeInsert, Column, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The columns nest-users needs. Extend it with `@Entity()` and add your own columns; the email column carries the
 * unique index that keeps emails unique in any spelling (they are stored in core's `canonicalEmail` form). The password
 * hash and the security stamp never serialize: `toJSON()` leaves them out (Express and Fastify send handler results
 * through `JSON.stringify`), and `@Exclude()` keeps them out of class-transformer (`ClassSerializerInterceptor`).
 *
 * On MySQL/MariaDB, give the email column a binary collation: create the database with
 * `CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`, or `ALTER TABLE user MODIFY email varchar(320) CHARACTER SET utf8mb4
 * COLLATE utf8mb4_bin NOT NULL`. Their default collations ignore case and accents, and the unique index then holds
 * `zoë@…` and `zoe@…` (or `straße@…` and `strase@…`) as one address: the second to register is refused as a
 * duplicate (400). Lookups are exact either way (one address never finds another's account). Use TypeORM's `mariadb`
 * type on MariaDB (10.7+ stores ids in its `uuid` type) and `mysql` on MySQL (ids in `varchar(255)`).
 * @publicApi
 */
export abstract class BaseUserEntity<ID> implements UserProtocol<ID> {
  abstract id: ID;

  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  @Exclude()
  @Column({ type: 'varchar', length: 1024 })
  hashedPassword!: string;

  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'boolean', default: false })
  isSuperuser!: boolean;

  @Column({ type: 'boolean', default: false })
  isVerified!: boolean;

  /**
   * Renewed by "log out everywhere", which thereby ends pending reset and verification tokens. Nullable, so adding
   * it to an existing table needs no data: `ALTER TABLE "user" ADD "securityStamp" varchar(64)`.
   */
  @Exclude()
  @Column({ type: 'varchar', length: 64, nullable: true })
  securityStamp!: string | null;

  toJSON(): Record<string, unknown> {
    return publicUserFields(this);
  }
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
