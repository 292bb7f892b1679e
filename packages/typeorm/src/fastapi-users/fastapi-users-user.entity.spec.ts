import { randomUUID } from 'node:crypto';
import { describeUserRepositoryContract, type UserRepositoryContractFixture } from '@nest-users/testing/contracts';
import { openTestDataSource, testDatabaseAvailable, type TestDatabaseKind } from '@nest-users/testing/typeorm';
import { instanceToPlain } from 'class-transformer';
import { Column, type DataSource, Entity } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthAccountEntity } from '../oauth-account.entity.js';
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

interface CatalogColumn {
  type: string;
  length: number | null;
  nullable: boolean;
  default: string | null;
  primary: boolean;
}

/**
 * The table TypeORM creates for `entity` (synchronize) on a fresh test database, as that database's own catalog
 * describes it: columns, and the indexes by name (primary keys left out). `null` when no table was created.
 */
async function tableOf(kind: 'sqlite' | 'postgres', entity: Function, table: string) {
  const { dataSource, database, close } = await openTestDataSource(kind, {
    entities: [entity],
    postgres: { installExtensions: false },
  });
  try {
    const columns: Record<string, CatalogColumn> = {};
    const indexes: Record<string, { unique: boolean; columns: string[] }> = {};
    if (kind === 'sqlite') {
      const rows: Array<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }> =
        await dataSource.query(`PRAGMA table_info("${table}")`);
      if (rows.length === 0) return null;
      for (const row of rows) {
        const [, type, length] = /^([a-z ]+)(?:\((\d+)\))?$/i.exec(row.type)!;
        columns[row.name] = {
          type: type!.toLowerCase(),
          length: length === undefined ? null : Number(length),
          nullable: row.notnull === 0,
          default: row.dflt_value,
          primary: row.pk > 0,
        };
      }
      const list: Array<{ name: string; unique: number; origin: string }> = await dataSource.query(
        `PRAGMA index_list("${table}")`,
      );
      for (const index of list.filter(({ origin }) => origin !== 'pk')) {
        const info: Array<{ name: string }> = await dataSource.query(`PRAGMA index_info("${index.name}")`);
        indexes[index.name] = { unique: index.unique === 1, columns: info.map(({ name }) => name) };
      }
    } else {
      const rows: Array<{ name: string; type: string; length: number | null; nullable: boolean; default: string | null }> =
        await dataSource.query(
          `SELECT column_name AS name, data_type AS type, character_maximum_length AS length,
                  is_nullable = 'YES' AS nullable, column_default AS "default"
             FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
          [database.schema, table],
        );
      if (rows.length === 0) return null;
      const primary: Array<{ name: string }> = await dataSource.query(
        `SELECT a.attname AS name FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = $1::regclass AND i.indisprimary`,
        [`"${database.schema}"."${table}"`],
      );
      for (const { name, ...row } of rows) columns[name] = { ...row, primary: primary.some((key) => key.name === name) };
      const list: Array<{ name: string; unique: boolean; columns: string[] }> = await dataSource.query(
        `SELECT c.relname AS name, i.indisunique AS unique,
                array(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey))::text[] AS columns
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = $1::regclass AND NOT i.indisprimary`,
        [`"${database.schema}"."${table}"`],
      );
      for (const index of list) indexes[index.name] = { unique: index.unique, columns: index.columns };
    }
    return { columns, indexes };
  } finally {
    await close();
  }
}

/** fastapi-users' columns (SQLAlchemy's DDL: no server defaults, NOT NULL but for added nullable columns). */
const column = (kind: 'sqlite' | 'postgres', type: 'uuid' | 'varchar' | 'boolean', length: number | null = null) => ({
  type:
    type === 'uuid'
      ? kind === 'sqlite'
        ? 'varchar'
        : 'uuid'
      : type === 'varchar' && kind === 'postgres'
        ? 'character varying'
        : type,
  length,
  nullable: false,
  default: null,
  primary: false,
});

const catalogKinds = (['sqlite', 'postgres'] as const).filter((kind) => testDatabaseAvailable(kind, 'fastapi-users tables'));

describe.each(catalogKinds)('FastApiUsersUserEntity (%s)', (kind) => {
  it("creates fastapi-users' table: snake_case columns, SQLAlchemy's types, no defaults, a unique ix_user_email", async () => {
    const table = await tableOf(kind, User, 'user');
    expect(table?.columns).toEqual({
      id: { ...column(kind, 'uuid'), primary: true },
      email: column(kind, 'varchar', 320),
      hashed_password: column(kind, 'varchar', 1024),
      is_active: column(kind, 'boolean'),
      is_superuser: column(kind, 'boolean'),
      is_verified: column(kind, 'boolean'),
      first_name: { ...column(kind, 'varchar', 100), nullable: true },
    });
    expect(table?.indexes).toEqual({ ix_user_email: { unique: true, columns: ['email'] } });
  });

  it('adds security_stamp (varchar 64, nullable) only in the WithSecurityStamp variant', async () => {
    expect((await tableOf(kind, User, 'user'))?.columns).not.toHaveProperty('security_stamp');
    expect((await tableOf(kind, StampedUser, 'user'))?.columns.security_stamp).toEqual({
      ...column(kind, 'varchar', 64),
      nullable: true,
    });
  });

  it("leaves fastapi-users' accesstoken table to its migrations: synchronize never creates it", async () => {
    await expect(tableOf(kind, FastApiUsersAccessTokenEntity, 'accesstoken')).resolves.toBeNull();
  });
});

describe('FastApiUsersUserEntity', () => {
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

// OAuthAccountEntity beside the mapping: a migrated app that turns on OAuth stores its links in nest-users' table.
const open = (kind: TestDatabaseKind) =>
  openTestDataSource(kind, { entities: [User, OAuthAccountEntity], postgres: { installExtensions: false, connections: 25 } });

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
