import { randomUUID } from 'node:crypto';
import { describeUserRepositoryContract, type UserRepositoryContractFixture } from '@nest-users/testing/contracts';
import { openTestDataSource, testDatabaseAvailable, type TestDatabaseKind } from '@nest-users/testing/typeorm';
import { instanceToPlain } from 'class-transformer';
import { Column, DataSource, Entity } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeOrmUserRepository } from '../typeorm-user.repository.js';
import { FastApiUsersAccessTokenEntity } from './fastapi-users-access-token.entity.js';
import { FastApiUsersUserEntity, FastApiUsersUserEntityWithSecurityStamp } from './fastapi-users-user.entity.js';

@Entity('user')
class User extends FastApiUsersUserEntity {
  /** A column the fastapi-users model added (`first_name = mapped_column(String(100), nullable=True)`). */
  @Column({ name: 'first_name', type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;
}

@Entity('user')
class StampedUser extends FastApiUsersUserEntityWithSecurityStamp {}

/** Metadata only: building it needs no connection. */
async function metadataOf(entity: new () => object) {
  const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [entity] });
  await dataSource.initialize();
  try {
    return dataSource.getMetadata(entity);
  } finally {
    await dataSource.destroy();
  }
}

describe('FastApiUsersUserEntity', () => {
  it("maps nest-users' properties to fastapi-users' snake_case columns, with SQLAlchemy's types and no defaults", async () => {
    const metadata = await metadataOf(User);
    expect(metadata.tableName).toBe('user');
    const columns = Object.fromEntries(
      metadata.columns.map((column) => [
        column.propertyName,
        {
          name: column.databaseName,
          type: column.type,
          length: column.length,
          nullable: column.isNullable,
          default: column.default,
        },
      ]),
    );
    expect(columns).toEqual({
      id: { name: 'id', type: 'uuid', length: '', nullable: false, default: undefined },
      email: { name: 'email', type: 'varchar', length: '320', nullable: false, default: undefined },
      hashedPassword: { name: 'hashed_password', type: 'varchar', length: '1024', nullable: false, default: undefined },
      isActive: { name: 'is_active', type: 'boolean', length: '', nullable: false, default: undefined },
      isSuperuser: { name: 'is_superuser', type: 'boolean', length: '', nullable: false, default: undefined },
      isVerified: { name: 'is_verified', type: 'boolean', length: '', nullable: false, default: undefined },
      firstName: { name: 'first_name', type: 'varchar', length: '100', nullable: true, default: undefined },
    });
    expect(metadata.primaryColumns.map((column) => column.databaseName)).toEqual(['id']);
    expect(
      metadata.indices.map((index) => ({
        name: index.name,
        unique: index.isUnique,
        columns: index.columns.map((c) => c.databaseName),
      })),
    ).toEqual([{ name: 'ix_user_email', unique: true, columns: ['email'] }]);
  });

  it('adds security_stamp (varchar 64, nullable) only in the WithSecurityStamp variant', async () => {
    const plain = await metadataOf(User);
    expect(plain.columns.some((column) => column.propertyName === 'securityStamp')).toBe(false);
    const stamped = (await metadataOf(StampedUser)).findColumnWithPropertyName('securityStamp')!;
    expect({ name: stamped.databaseName, type: stamped.type, length: stamped.length, nullable: stamped.isNullable }).toEqual({
      name: 'security_stamp',
      type: 'varchar',
      length: '64',
      nullable: true,
    });
  });

  it('never serializes the password hash or the security stamp', () => {
    const user = Object.assign(new StampedUser(), {
      id: randomUUID(),
      email: 'ada@example.com',
      hashedPassword: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
      isActive: true,
      isSuperuser: false,
      isVerified: true,
      securityStamp: 'stamp',
    });
    for (const output of [JSON.parse(JSON.stringify(user)), instanceToPlain(user)]) {
      expect(output).toEqual({ id: user.id, email: 'ada@example.com', isActive: true, isSuperuser: false, isVerified: true });
    }
  });
});

describe('FastApiUsersAccessTokenEntity', () => {
  it("maps the accesstoken table read-only: TypeORM's synchronize leaves it alone", async () => {
    const metadata = await metadataOf(FastApiUsersAccessTokenEntity);
    expect(metadata.tableName).toBe('accesstoken');
    expect(metadata.synchronize).toBe(false);
    expect(metadata.columns.map((column) => [column.propertyName, column.databaseName, column.isPrimary])).toEqual([
      ['token', 'token', true],
      ['createdAt', 'created_at', false],
      ['userId', 'user_id', false],
    ]);
  });
});

const open = (kind: TestDatabaseKind) =>
  openTestDataSource(kind, { entities: [User], postgres: { installExtensions: false, connections: 25 } });

async function contractFixture(kind: TestDatabaseKind): Promise<UserRepositoryContractFixture> {
  const { dataSource, close } = await open(kind);
  const repository = dataSource.getRepository(User);
  return {
    repository: new TypeOrmUserRepository(repository),
    count: () => repository.count(),
    teardown: close,
    customFields: true,
    // As fastapi-users wrote it: every column set by the application (the table has no defaults).
    insertVerbatim: async (email, hashedPassword) => {
      const id = randomUUID();
      await repository.insert({ id, email, hashedPassword, isActive: true, isSuperuser: false, isVerified: false });
      return id;
    },
  };
}

describeUserRepositoryContract('TypeORM over the fastapi-users mapping, SQLite', () => contractFixture('sqlite'));
describe.skipIf(!testDatabaseAvailable('postgres', 'fastapi-users mapping'))('PostgreSQL', () => {
  describeUserRepositoryContract('TypeORM over the fastapi-users mapping, PostgreSQL', () => contractFixture('postgres'));
});

describe('new rows get what SQLAlchemy would have set in Python', () => {
  let close: () => Promise<void>;
  let dataSource: DataSource;
  beforeAll(async () => {
    ({ dataSource, close } = await open('sqlite'));
  });
  afterAll(() => close());

  it('a random UUID id, active, not superuser, not verified; explicit values are kept', async () => {
    const repository = dataSource.getRepository(User);
    const made = await repository.save(repository.create({ email: 'ada@example.com', hashedPassword: 'h' }));
    expect(made.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await repository.findOneByOrFail({ id: made.id })).toMatchObject({
      isActive: true,
      isSuperuser: false,
      isVerified: false,
    });
    const id = randomUUID();
    await repository.save(
      repository.create({
        id,
        email: 'bob@example.com',
        hashedPassword: 'h',
        isActive: false,
        isSuperuser: true,
        isVerified: true,
      }),
    );
    expect(await repository.findOneByOrFail({ id })).toMatchObject({ isActive: false, isSuperuser: true, isVerified: true });
  });
});
