import { existsSync } from 'node:fs';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { openTestDataSource, testDatabaseAvailable } from './data-source.fixture.js';

@Entity('fixture_note')
class Note {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 20 })
  text!: string;
}

describe.each(['sqlite', 'postgres', 'mysql'] as const)('openTestDataSource on %s', (kind) => {
  const skip = !testDatabaseAvailable(kind, 'openTestDataSource');

  it.skipIf(skip)('gives each suite its own tables, and close() removes them', async () => {
    const [a, b] = [await openTestDataSource(kind, { entities: [Note] }), await openTestDataSource(kind, { entities: [Note] })];
    await a.dataSource.getRepository(Note).save({ text: 'only in a' });
    expect(await b.dataSource.getRepository(Note).count()).toBe(0);
    await b.close();

    const { dataSource, database, close } = a;
    const where = database.schema ?? String(database.options.database);
    const schemas = async () => {
      const probe = await openTestDataSource(kind, { synchronize: false });
      const sql =
        kind === 'postgres'
          ? 'SELECT nspname AS name FROM pg_namespace'
          : 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA';
      try {
        const rows: Array<{ name: string }> = await probe.dataSource.query(sql);
        return rows.map(({ name }) => name);
      } finally {
        await probe.close();
      }
    };
    const exists = async () => (kind === 'sqlite' ? existsSync(where) : (await schemas()).includes(where));
    expect(await exists()).toBe(true);
    await close();
    expect(dataSource.isInitialized).toBe(false);
    expect(await exists()).toBe(false);
  });
});
