import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpaqueToken, hashToken } from '@nest-users/core';
import { describeTokenStoreContract, type TokenStoreContractFixture } from '@nest-users/testing';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AccessTokenEntity } from './access-token.entity.js';
import { TypeOrmTokenStore } from './typeorm-token.store.js';

interface Database {
  dataSource: DataSource;
  schema?: string;
  cleanup(): Promise<void>;
}

/** A fresh SQLite file per case: a file, unlike `:memory:`, exercises the real journal and locking. */
async function sqlite(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'nest-users-tokens-'));
  const dataSource = await new DataSource({
    type: 'better-sqlite3',
    database: join(dir, 'tokens.sqlite'),
    entities: [AccessTokenEntity],
    synchronize: true,
  }).initialize();
  return {
    dataSource,
    cleanup: async () => {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const postgresUrl = process.env.TEST_POSTGRES_URL;

/** A fresh schema per case, dropped afterwards, so parallel suites never see each other's rows. */
async function postgres(): Promise<Database> {
  const schema = `nest_users_tokens_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const dataSource = await new DataSource({
    type: 'postgres',
    url: postgresUrl,
    schema,
    entities: [AccessTokenEntity],
    // More connections than racing spenders, so the race is decided by the database, not by the pool queue.
    extra: { max: 25 },
  }).initialize();
  await dataSource.query(`CREATE SCHEMA "${schema}"`);
  await dataSource.synchronize();
  // pg opens connections lazily: on a cold pool the first spender would finish before the others connect.
  await Promise.all(Array.from({ length: 25 }, () => dataSource.query('SELECT pg_sleep(0.01)')));
  return {
    dataSource,
    schema,
    cleanup: async () => {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}

async function fixture(open: () => Promise<Database>): Promise<TokenStoreContractFixture> {
  const { dataSource, cleanup } = await open();
  const repository = dataSource.getRepository(AccessTokenEntity);
  return { store: new TypeOrmTokenStore(repository), dump: () => repository.find(), teardown: cleanup };
}

describeTokenStoreContract('TypeORM on SQLite (better-sqlite3, temp file)', () => fixture(sqlite));

describe.each([
  ['SQLite', sqlite],
  ['PostgreSQL', postgres],
] as const)('TypeORM on %s: rows written before token kinds existed', (name, open) => {
  it.skipIf(name === 'PostgreSQL' && !postgresUrl)('are found and spent as neither kind, and left as they are', async () => {
    const db = await open();
    try {
      const repository = db.dataSource.getRepository(AccessTokenEntity);
      const hash = hashToken(generateOpaqueToken());
      // What an upgraded table holds: the new columns added, NULL in every old row.
      await repository.insert({ hash, userId: 'ada', family: 'f', expiresAt: new Date(Date.now() + 60_000) });
      const store = new TypeOrmTokenStore(repository);
      for (const kind of ['access', 'refresh'] as const) {
        expect(await store.find(hash, kind)).toBeNull();
        expect(await store.spend(hash, kind)).toBeNull();
      }
      expect(await repository.findOneBy({ hash })).toMatchObject({ kind: null, fingerprint: null, spentAt: null });
    } finally {
      await db.cleanup();
    }
  });
});

if (!postgresUrl) {
  console.warn(
    'Skipping the TypeORM token store on PostgreSQL: set TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test).',
  );
}
describe.skipIf(!postgresUrl)('PostgreSQL', () => {
  describeTokenStoreContract('TypeORM on PostgreSQL', () => fixture(postgres));

  it('creates access_token with the documented columns and indexes', async () => {
    const db = await postgres();
    try {
      const columns = await db.dataSource.query(
        `SELECT column_name, data_type, character_maximum_length AS length, is_nullable
           FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'access_token'
          ORDER BY column_name`,
        [db.schema],
      );
      expect(columns).toEqual([
        { column_name: 'createdAt', data_type: 'timestamp without time zone', length: null, is_nullable: 'NO' },
        { column_name: 'expiresAt', data_type: 'timestamp without time zone', length: null, is_nullable: 'NO' },
        { column_name: 'family', data_type: 'character varying', length: 64, is_nullable: 'YES' },
        { column_name: 'fingerprint', data_type: 'character varying', length: 64, is_nullable: 'YES' },
        { column_name: 'hash', data_type: 'character varying', length: 64, is_nullable: 'NO' },
        { column_name: 'kind', data_type: 'character varying', length: 16, is_nullable: 'YES' },
        { column_name: 'spentAt', data_type: 'timestamp without time zone', length: null, is_nullable: 'YES' },
        { column_name: 'userId', data_type: 'character varying', length: 64, is_nullable: 'NO' },
      ]);
      const indexes: Array<{ indexdef: string }> = await db.dataSource.query(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'access_token'`,
        [db.schema],
      );
      const indexed = indexes.map(({ indexdef }) => /\((.+)\)$/.exec(indexdef)?.[1]?.replaceAll('"', '')).sort();
      expect(indexed).toEqual(['expiresAt', 'family', 'hash', 'userId']);
    } finally {
      await db.cleanup();
    }
  });
});
