import { generateOpaqueToken, hashToken } from '@nest-users/core';
import { describeTokenStoreContract, type TokenStoreContractFixture } from '@nest-users/testing/contracts';
import { openTestDataSource, testDatabaseAvailable, type TestDatabaseKind } from '@nest-users/testing/typeorm';
import { describe, expect, it } from 'vitest';
import { AccessTokenEntity } from './access-token.entity.js';
import { TypeOrmTokenStore } from './typeorm-token.store.js';

/** More connections than racing spenders, so a race is decided by the database, not by the pool queue. */
const open = (kind: TestDatabaseKind) =>
  openTestDataSource(kind, { entities: [AccessTokenEntity], postgres: { connections: 25 }, mysql: { connections: 25 } });

async function fixture(kind: TestDatabaseKind): Promise<TokenStoreContractFixture> {
  const { dataSource, close } = await open(kind);
  const repository = dataSource.getRepository(AccessTokenEntity);
  return { store: new TypeOrmTokenStore(repository), dump: () => repository.find(), teardown: close };
}

describeTokenStoreContract('TypeORM on SQLite (better-sqlite3, temp file)', () => fixture('sqlite'));

describe.each(['sqlite', 'postgres', 'mysql'] as const)('TypeORM on %s: rows written before token kinds existed', (kind) => {
  it.skipIf((kind === 'postgres' && !process.env.TEST_POSTGRES_URL) || (kind === 'mysql' && !process.env.TEST_MYSQL_URL))(
    'are found and spent as neither kind, and left as they are',
    async () => {
      const db = await open(kind);
      try {
        const repository = db.dataSource.getRepository(AccessTokenEntity);
        const hash = hashToken(generateOpaqueToken());
        // What an upgraded table holds: the new columns added, NULL in every old row.
        await repository.insert({ hash, userId: 'ada', family: 'f', expiresAt: new Date(Date.now() + 60_000) });
        const store = new TypeOrmTokenStore(repository);
        for (const tokenKind of ['access', 'refresh'] as const) {
          expect(await store.find(hash, tokenKind)).toBeNull();
          expect(await store.spend(hash, tokenKind)).toBeNull();
        }
        expect(await repository.findOneBy({ hash })).toMatchObject({ kind: null, fingerprint: null, spentAt: null });
      } finally {
        await db.close();
      }
    },
  );
});

describe.each(['sqlite', 'postgres', 'mysql'] as const)('TypeORM on %s: the access_token table', (kind) => {
  const skip = (kind === 'postgres' && !process.env.TEST_POSTGRES_URL) || (kind === 'mysql' && !process.env.TEST_MYSQL_URL);

  it.skipIf(skip)(
    'keeps expiry to the millisecond (a token due in 1 s is live now), and a second synchronize changes nothing',
    async () => {
      const db = await open(kind);
      try {
        expect((await db.dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
        const repository = db.dataSource.getRepository(AccessTokenEntity);
        const store = new TypeOrmTokenStore(repository);
        const hash = hashToken(generateOpaqueToken());
        // A fraction just under the next second: a column of whole seconds cuts it to a moment already past.
        const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 1999);
        await store.save({ hash, userId: 'ada', kind: 'refresh', expiresAt });
        expect((await store.find(hash, 'refresh'))?.expiresAt.getTime()).toBe(expiresAt.getTime());
        const spent = await store.spend(hash, 'refresh');
        expect(spent?.alreadySpent).toBe(false);
        expect(spent?.token.expiresAt.getTime()).toBe(expiresAt.getTime());
      } finally {
        await db.close();
      }
    },
  );
});

describe.skipIf(!testDatabaseAvailable('postgres', 'TypeORM token store'))('PostgreSQL', () => {
  describeTokenStoreContract('TypeORM on PostgreSQL', () => fixture('postgres'));

  it('creates access_token with the documented columns and indexes', async () => {
    const db = await open('postgres');
    try {
      const columns = await db.dataSource.query(
        `SELECT column_name, data_type, character_maximum_length AS length, is_nullable
           FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'access_token'
          ORDER BY column_name`,
        [db.database.schema],
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
        [db.database.schema],
      );
      const indexed = indexes.map(({ indexdef }) => /\((.+)\)$/.exec(indexdef)?.[1]?.replaceAll('"', '')).sort();
      expect(indexed).toEqual(['expiresAt', 'family', 'hash', 'userId']);
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!testDatabaseAvailable('mysql', 'TypeORM token store'))('MySQL/MariaDB', () => {
  describeTokenStoreContract('TypeORM on MySQL/MariaDB', () => fixture('mysql'));
});
