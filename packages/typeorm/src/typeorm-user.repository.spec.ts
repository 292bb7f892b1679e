import { randomUUID } from 'node:crypto';
import { describeUserRepositoryContract, type UserRepositoryContractFixture } from '@nest-users/testing/contracts';
import {
  openTestDataSource,
  testDatabaseAvailable,
  type TestDatabaseKind,
  type TestDataSource,
} from '@nest-users/testing/typeorm';
import { Column, Entity, QueryFailedError } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BaseUserEntityUUID } from './base-user.entity.js';
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
  openTestDataSource(kind, { entities: [ContractUserEntity], postgres: { installExtensions: false, connections: 25 } });

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

describe.each([
  { kind: 'sqlite' as const, skip: false },
  { kind: 'postgres' as const, skip: !postgresAvailable },
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

  it.skipIf(skip || kind !== 'postgres')('stores ids in a uuid column with no extension default', async () => {
    const [column] = await store!.dataSource.query(
      `SELECT data_type, column_default FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'contract_user_entity' AND column_name = 'id'`,
      [store!.database.schema],
    );
    expect(column).toEqual({ data_type: 'uuid', column_default: null });
  });
});
