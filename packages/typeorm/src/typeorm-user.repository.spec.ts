import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeUserRepositoryContract, type UserRepositoryContractFixture } from '@nest-users/testing';
import { Column, DataSource, Entity, QueryFailedError } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BaseUserEntityUUID } from './base-user.entity.js';
import { TypeOrmUserRepository } from './typeorm-user.repository.js';

@Entity()
class ContractUserEntity extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;
}

interface Store {
  dataSource: DataSource;
  /** The schema holding the table (PostgreSQL only). */
  schema?: string;
  cleanup(): Promise<void>;
}

/** A fresh SQLite file per run: a file, unlike `:memory:`, exercises the real journal and locking. */
async function sqliteStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'nest-users-sqlite-'));
  const dataSource = await new DataSource({
    type: 'better-sqlite3',
    database: join(dir, 'users.sqlite'),
    entities: [ContractUserEntity],
    synchronize: true,
  }).initialize();
  return { dataSource, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

const postgresUrl = process.env.TEST_POSTGRES_URL;

/** A fresh schema per run, so parallel runs and other suites sharing the database never see each other's rows. */
async function postgresStore(): Promise<Store> {
  const schema = `nest_users_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const dataSource = await new DataSource({
    type: 'postgres',
    url: postgresUrl,
    schema,
    entities: [ContractUserEntity],
    // The adapter must not need uuid-ossp or pgcrypto: a database without them has to work as is.
    installExtensions: false,
    // More connections than racing writers, so the race is decided by the database, not by the pool queue.
    extra: { max: 25 },
  }).initialize();
  await dataSource.query(`CREATE SCHEMA "${schema}"`);
  await dataSource.synchronize();
  // pg opens connections lazily: on a cold pool the first writer finishes before the others are even connected.
  await Promise.all(Array.from({ length: 25 }, () => dataSource.query('SELECT pg_sleep(0.01)')));
  const cleanup = async () => {
    const admin = await new DataSource({ type: 'postgres', url: postgresUrl }).initialize();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.destroy();
  };
  return { dataSource, schema, cleanup };
}

async function contractFixture(open: () => Promise<Store>): Promise<UserRepositoryContractFixture> {
  const { dataSource, cleanup } = await open();
  const repository = dataSource.getRepository(ContractUserEntity);
  return {
    repository: new TypeOrmUserRepository(repository),
    count: () => repository.count(),
    teardown: async () => {
      await dataSource.destroy();
      await cleanup();
    },
    customFields: true,
    insertVerbatim: async (email, hashedPassword) => {
      const id = randomUUID();
      await repository.insert({ id, email, hashedPassword });
      return id;
    },
  };
}

describeUserRepositoryContract('TypeORM on SQLite (better-sqlite3, temp file)', () =>
  contractFixture(sqliteStore),
);

if (!postgresUrl) {
  console.warn(
    'Skipping the TypeORM PostgreSQL suites: set TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test).',
  );
}
describe.skipIf(!postgresUrl)('PostgreSQL', () => {
  describeUserRepositoryContract('TypeORM on PostgreSQL', () => contractFixture(postgresStore));
});

describe.each([
  { driver: 'SQLite', open: sqliteStore, skip: false },
  { driver: 'PostgreSQL', open: postgresStore, skip: !postgresUrl },
])('TypeOrmUserRepository on $driver', ({ driver, open, skip }) => {
  let store: Store | undefined;
  let users: TypeOrmUserRepository<ContractUserEntity>;
  beforeEach(async () => {
    if (skip) return;
    store = await open();
    users = new TypeOrmUserRepository(store.dataSource.getRepository(ContractUserEntity));
  });
  afterEach(async () => {
    await store?.dataSource.destroy();
    await store?.cleanup();
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

  it.skipIf(skip || driver !== 'PostgreSQL')('stores ids in a uuid column with no extension default', async () => {
    const [column] = await store!.dataSource.query(
      `SELECT data_type, column_default FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'contract_user_entity' AND column_name = 'id'`,
      [store!.schema],
    );
    expect(column).toEqual({ data_type: 'uuid', column_default: null });
  });
});
