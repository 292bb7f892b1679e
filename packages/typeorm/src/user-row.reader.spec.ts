import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Column, DataSource, Entity } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BaseUserEntityUUID } from './base-user.entity.js';
import { isConnectionFailure } from './store-unavailable.util.js';
import { UserRowReader } from './user-row.reader.js';

@Entity('reader_user')
class ReaderUser extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 50, nullable: true, name: 'first_name' })
  firstName?: string | null;

  @Column({ type: 'integer', default: 0 })
  logins!: number;
}

const POSTGRES_URL = process.env.TEST_POSTGRES_URL;
if (!POSTGRES_URL) console.warn('UserRowReader: the PostgreSQL variant is skipped: TEST_POSTGRES_URL is not set.');

describe.each(['sqlite', 'postgres'] as const)('UserRowReader on %s', (kind) => {
  const skip = kind === 'postgres' && !POSTGRES_URL;
  const dir = mkdtempSync(join(tmpdir(), 'nest-users-reader-'));
  const schema = `reader_${randomUUID().replaceAll('-', '')}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    if (skip) return;
    if (kind === 'postgres') {
      const admin = await new DataSource({ type: 'postgres', url: POSTGRES_URL }).initialize();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.destroy();
    }
    dataSource = await new DataSource(
      kind === 'sqlite'
        ? { type: 'better-sqlite3', database: join(dir, 'db.sqlite'), entities: [ReaderUser], synchronize: true }
        : { type: 'postgres', url: POSTGRES_URL, schema, entities: [ReaderUser], synchronize: true },
    ).initialize();
  });
  afterAll(async () => {
    if (kind === 'postgres' && dataSource) await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('hydrates exactly what findOneBy does, without going through it', async () => {
    const repository = dataSource.getRepository(ReaderUser);
    const saved = await repository.save(repository.create({ email: 'r@x.io', hashedPassword: 'h', isVerified: true, firstName: 'Rea', logins: 3 }));
    const reader = new UserRowReader(repository, 'id');
    const findOneBy = vi.spyOn(repository, 'findOneBy');

    const found = await reader.findOne(saved.id);
    expect(findOneBy).not.toHaveBeenCalled();
    expect(found).toBeInstanceOf(ReaderUser);
    expect(found).toEqual(await repository.findOneBy({ id: saved.id }));
    expect(found).toMatchObject({ isActive: true, isSuperuser: false, isVerified: true, firstName: 'Rea', logins: 3 });
    expect(typeof found!.isActive).toBe('boolean');
    expect(await reader.findOne(randomUUID())).toBeNull();
  });

  it.skipIf(skip)(
    kind === 'sqlite' ? 'runs a statement prepared once, not TypeORM\'s query runner' : 'goes through TypeORM\'s query runner',
    async () => {
      const repository = dataSource.getRepository(ReaderUser);
      const saved = await repository.save(repository.create({ email: 'q@x.io', hashedPassword: 'h' }));
      const reader = new UserRowReader(repository, 'email');
      const query = vi.spyOn(repository, 'query');
      expect(await reader.findOne('q@x.io')).toMatchObject({ id: saved.id, email: 'q@x.io' });
      expect(await reader.findOne('nobody@x.io')).toBeNull();
      expect(query).toHaveBeenCalledTimes(kind === 'sqlite' ? 0 : 2);
      query.mockRestore();
    },
  );

  it.skipIf(skip)('follows the DataSource through destroy() (a connection failure) and a new initialize()', async () => {
    const repository = dataSource.getRepository(ReaderUser);
    const saved = await repository.save(repository.create({ email: 'd@x.io', hashedPassword: 'h' }));
    const reader = new UserRowReader(repository, 'id');
    expect(await reader.findOne(saved.id)).toMatchObject({ email: 'd@x.io' });

    await dataSource.destroy();
    const error = await reader.findOne(saved.id).catch((e: unknown) => e);
    expect(isConnectionFailure(error), String(error)).toBe(true);

    await dataSource.initialize();
    expect(await reader.findOne(saved.id)).toMatchObject({ email: 'd@x.io' });
  });
});
