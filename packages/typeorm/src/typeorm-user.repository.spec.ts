import { randomUUID } from 'node:crypto';
import { describeUserRepositoryContract, type UserRepositoryContractFixture } from '@nest-users/testing/contracts';
import {
  openTestDataSource,
  testDatabaseAvailable,
  type TestDatabaseKind,
  type TestDataSource,
} from '@nest-users/testing/typeorm';
import { UserAlreadyExistsError, UsersAuthConfigurationError } from '@nest-users/core';
import { Column, Entity, QueryFailedError } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BaseUserEntityUUID } from './base-user.entity.js';
import { OAuthAccountEntity } from './oauth-account.entity.js';
import { TypeOrmUserRepository } from './typeorm-user.repository.js';

@Entity()
class ContractUserEntity extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;
}

/**
 * The adapter must not need uuid-ossp or pgcrypto (a database without them has to work as is), and gets more
 * connections than racing writers, so a race is decided by the database, not by the pool queue.
 */
const open = (kind: TestDatabaseKind) =>
  openTestDataSource(kind, {
    entities: [ContractUserEntity, OAuthAccountEntity],
    postgres: { installExtensions: false, connections: 25 },
    mysql: { connections: 25 },
  });

async function contractFixture(kind: TestDatabaseKind): Promise<UserRepositoryContractFixture> {
  const { dataSource, close } = await open(kind);
  const repository = dataSource.getRepository(ContractUserEntity);
  return {
    repository: new TypeOrmUserRepository(repository),
    count: () => repository.count(),
    teardown: close,
    customFields: true,
    insertVerbatim: async (email, hashedPassword) => {
      const id = randomUUID();
      await repository.insert({ id, email, hashedPassword });
      return id;
    },
  };
}

describeUserRepositoryContract('TypeORM on SQLite (better-sqlite3, temp file)', () => contractFixture('sqlite'));

const postgresAvailable = testDatabaseAvailable('postgres', 'TypeORM user repository');
describe.skipIf(!postgresAvailable)('PostgreSQL', () => {
  describeUserRepositoryContract('TypeORM on PostgreSQL', () => contractFixture('postgres'));
});

const mysqlAvailable = testDatabaseAvailable('mysql', 'TypeORM user repository');
describe.skipIf(!mysqlAvailable)('MySQL/MariaDB', () => {
  describeUserRepositoryContract('TypeORM on MySQL/MariaDB', () => contractFixture('mysql'));
});

describe.each([
  { kind: 'sqlite' as const, skip: false },
  { kind: 'postgres' as const, skip: !postgresAvailable },
  { kind: 'mysql' as const, skip: !mysqlAvailable },
])('TypeOrmUserRepository on $kind', ({ kind, skip }) => {
  let store: TestDataSource | undefined;
  let users: TypeOrmUserRepository<ContractUserEntity>;
  beforeEach(async () => {
    if (skip) return;
    store = await open(kind);
    users = new TypeOrmUserRepository(store.dataSource.getRepository(ContractUserEntity));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it.skipIf(skip)('propagates a NOT NULL violation unchanged instead of reporting a duplicate', async () => {
    const write = users.create({ email: 'ada@example.com', hashedPassword: null as unknown as string });
    await expect(write).rejects.toBeInstanceOf(QueryFailedError);
    expect(await store!.dataSource.getRepository(ContractUserEntity).count()).toBe(0);
  });

  it.skipIf(skip)('generates random (v4) UUID ids in the application', async () => {
    const a = await users.create({ email: 'a@example.com', hashedPassword: 'h' });
    const b = await users.create({ email: 'b@example.com', hashedPassword: 'h' });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.id).not.toBe(a.id);
  });

  it.skipIf(skip)('creates tables that a second synchronize leaves as they are', async () => {
    const pending = await store!.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map(({ query }) => query)).toEqual([]);
  });

  it.skipIf(skip || kind !== 'postgres')('stores ids in a uuid column with no extension default', async () => {
    const [column] = await store!.dataSource.query(
      `SELECT data_type, column_default FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'contract_user_entity' AND column_name = 'id'`,
      [store!.database.schema],
    );
    expect(column).toEqual({ data_type: 'uuid', column_default: null });
  });
});

describe.skipIf(!mysqlAvailable)('TypeOrmUserRepository on MySQL/MariaDB', () => {
  const opened: TestDataSource[] = [];
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
  });
  const openWith = async (mysql: { type?: 'mysql' | 'mariadb'; collation?: string | null }) => {
    const db = await openTestDataSource('mysql', { entities: [ContractUserEntity], mysql });
    opened.push(db);
    return db;
  };
  const columns = async ({ dataSource, database }: TestDataSource) =>
    dataSource.query(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, COLLATION_NAME AS collation FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'contract_user_entity' AND COLUMN_NAME IN ('id', 'email') ORDER BY 1`,
      [database.schema],
    );

  it.each(['mariadb', 'mysql'] as const)("with TypeORM's %s driver: creates the table and works", async (type) => {
    const db = await openWith({ type });
    const [{ version }] = await db.dataSource.query('SELECT VERSION() AS version');
    const onMariaDb = /mariadb/i.test(version);
    // TypeORM's mysql driver misreads MariaDB's column defaults and re-alters nullable columns at each synchronize
    // (its mariadb driver does not): stable when the driver matches the server.
    if (onMariaDb === (type === 'mariadb')) {
      expect((await db.dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    }
    const [email, id] = await columns(db);
    expect(email).toEqual({ name: 'email', type: 'varchar(320)', collation: 'utf8mb4_bin' });
    // MariaDB 10.7+ has a uuid type (TypeORM's mariadb driver uses it); elsewhere the id is text.
    expect(id.type).toBe(type === 'mariadb' ? 'uuid' : 'varchar(255)');
    const users = new TypeOrmUserRepository(db.dataSource.getRepository(ContractUserEntity));
    const ada = await users.create({ email: 'Ada@Example.com', hashedPassword: 'h' });
    expect(await users.get(ada.id)).toMatchObject({ id: ada.id, email: 'ada@example.com', isActive: true });
    expect(await users.getByEmail('ADA@example.com')).toMatchObject({ id: ada.id, isSuperuser: false });
    expect(await users.get('not-a-uuid')).toBeNull();
    await expect(users.create({ email: 'ADA@example.com', hashedPassword: 'h' })).rejects.toBeInstanceOf(UserAlreadyExistsError);
    expect(await users.updateIf(ada, { hashedPassword: 'h' }, { isVerified: true })).toMatchObject({ isVerified: true });
    // A compare-and-set that writes what is already there still matched: MySQL counts changed rows unless the client
    // asks for found rows (mysql2 does, by default).
    expect(await users.updateIf(ada, { hashedPassword: 'h' }, { hashedPassword: 'h' })).toMatchObject({ id: ada.id });
  });

  it.each([
    ['an accent', 'zo\u00eb@example.com', 'zoe@example.com'],
    ['sharp s against s', 'stra\u00dfe@example.com', 'strase@example.com'],
    ['sharp s against ss', 'stra\u00dfe@example.com', 'strasse@example.com'],
    ['a dotless i', '\u0131van@example.com', 'ivan@example.com'],
  ])(
    "on the server's default collation (case- and accent-insensitive), never takes one address for another: %s",
    async (_, first, second) => {
      const db = await openWith({ collation: null });
      const [email] = await columns(db);
      expect(email.collation).toMatch(/_ci$/);
      const users = new TypeOrmUserRepository(db.dataSource.getRepository(ContractUserEntity));
      const owner = await users.create({ email: first, hashedPassword: 'first' });
      expect(await users.getByEmail(second)).toBeNull();
      // The index may hold the two as one (then the second is refused as a duplicate, a 400), never a 500.
      const other = await users.create({ email: second, hashedPassword: 'second' }).catch((error: unknown) => error);
      if (other instanceof Error) expect(other).toBeInstanceOf(UserAlreadyExistsError);
      else expect((await users.getByEmail(second))?.id).toBe((other as ContractUserEntity).id);
      expect(await users.getByEmail(first)).toMatchObject({ id: owner.id, hashedPassword: 'first' });
    },
  );
});

describe('TypeOrmUserRepository without OAuthAccountEntity', () => {
  it('says how to add the table when OAuth is used, and keeps working for everything else', async () => {
    const store = await openTestDataSource('sqlite', { entities: [ContractUserEntity] });
    try {
      const users = new TypeOrmUserRepository(store.dataSource.getRepository(ContractUserEntity));
      const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
      await expect(users.getByOAuthAccount('google', '1')).rejects.toThrow(/add OAuthAccountEntity/);
      await expect(users.addOAuthAccount(ada, {} as never)).rejects.toBeInstanceOf(UsersAuthConfigurationError);
      await users.delete(ada);
      expect(await users.get(ada.id)).toBeNull();
    } finally {
      await store.close();
    }
  });
});
