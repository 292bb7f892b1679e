import { describeTokenStoreContract, type TokenStoreContractFixture } from '@nest-users/testing';
import { openTestDataSource, testDatabaseAvailable, type TestDatabaseKind } from '@nest-users/testing/typeorm';
import { describe, expect, it } from 'vitest';
import { AccessTokenEntity } from './access-token.entity.js';
import { TypeOrmTokenStore } from './typeorm-token.store.js';

/** More connections than racing spenders, so a race is decided by the database, not by the pool queue. */
const open = (kind: TestDatabaseKind) => openTestDataSource(kind, { entities: [AccessTokenEntity], postgres: { connections: 25 } });

async function fixture(kind: TestDatabaseKind): Promise<TokenStoreContractFixture> {
  const { dataSource, close } = await open(kind);
  const repository = dataSource.getRepository(AccessTokenEntity);
  return { store: new TypeOrmTokenStore(repository), dump: () => repository.find(), teardown: close };
}

describeTokenStoreContract('TypeORM on SQLite (better-sqlite3, temp file)', () => fixture('sqlite'));

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
        { column_name: 'hash', data_type: 'character varying', length: 64, is_nullable: 'NO' },
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
