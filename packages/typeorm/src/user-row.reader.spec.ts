import { randomUUID } from 'node:crypto';
import {
  openTestDataSource,
  testDatabaseAvailable,
  type TestDataSource,
  type TestDataSourceOptions,
} from '@nest-users/testing/typeorm';
import {
  AfterLoad,
  ChildEntity,
  Column,
  DeleteDateColumn,
  Entity,
  EventSubscriber,
  PrimaryColumn,
  QueryFailedError,
  TableInheritance,
  type EntitySubscriberInterface,
  type Logger,
  type ObjectLiteral,
  type ValueTransformer,
} from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BaseUserEntityUUID } from './base-user.entity.js';
import { isConnectionFailure } from './store-unavailable.util.js';
import { TypeOrmUserRepository } from './typeorm-user.repository.js';
import { UserRowReader } from './user-row.reader.js';

@Entity('plain_user')
class PlainUser extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 50, nullable: true, name: 'first_name' })
  firstName?: string | null;

  @Column({ type: 'integer', default: 0 })
  logins!: number;

  @DeleteDateColumn({ nullable: true })
  deletedAt?: Date | null;

  /** Set by the constructor, which find runs unless the DataSource says `entitySkipConstructor`. */
  pendingChanges: string[] = [];
}

@Entity('listened_user')
class ListenedUser extends BaseUserEntityUUID {
  displayName?: string;

  @AfterLoad()
  protected deriveDisplayName(): void {
    this.displayName = this.email.split('@')[0];
  }
}

@Entity('subscribed_user')
class SubscribedUser extends BaseUserEntityUUID {
  seenBy?: string;
}

@EventSubscriber()
class SubscribedUserSubscriber implements EntitySubscriberInterface<SubscribedUser> {
  listenTo() {
    return SubscribedUser;
  }
  afterLoad(entity: SubscribedUser): void {
    entity.seenBy = 'subscriber';
  }
}

/** Reversible stand-ins for an encrypted and a JSON column. */
const sealed: ValueTransformer = {
  to: (value?: string | null) => (value == null ? value : `sealed:${Buffer.from(value).toString('base64')}`),
  from: (value?: string | null) => (value == null ? value : Buffer.from(value.slice('sealed:'.length), 'base64').toString()),
};
const json: ValueTransformer = {
  to: (value: unknown) => JSON.stringify(value ?? {}),
  from: (value: string) => JSON.parse(value) as unknown,
};

/** The reader needs no more than these columns (a user entity would extend `BaseUserEntity`). */
@Entity('sealed_user')
class SealedUser {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 400, unique: true, transformer: sealed })
  email!: string;

  @Column({ type: 'text', transformer: json })
  preferences!: { theme?: string };
}

@Entity('account')
@TableInheritance({ column: { type: 'varchar', name: 'kind' } })
class Account extends BaseUserEntityUUID {}

@ChildEntity('admin')
class AdminAccount extends Account {
  @Column({ type: 'varchar', length: 50, nullable: true })
  team?: string | null;
}

const entities = [PlainUser, ListenedUser, SubscribedUser, SealedUser, Account, AdminAccount];

async function seed<E extends ObjectLiteral>(opened: TestDataSource, entity: new () => E, fields: Partial<E>): Promise<E> {
  const repository = opened.dataSource.getRepository(entity);
  return repository.save(repository.create({ id: randomUUID(), hashedPassword: 'h', ...fields } as never) as unknown as E);
}

describe.each(['sqlite', 'postgres', 'mysql'] as const)('UserRowReader on %s', (kind) => {
  const skip = !testDatabaseAvailable(kind, 'UserRowReader');
  let opened: TestDataSource;
  const others: TestDataSource[] = [];
  /** A DataSource of its own, for settings that would change the other cases. */
  const openAlone = async (settings: TestDataSourceOptions) => {
    const alone = await openTestDataSource(kind, { entities: [PlainUser], ...settings });
    others.push(alone);
    return alone;
  };

  beforeAll(async () => {
    if (!skip) opened = await openTestDataSource(kind, { entities, subscribers: [SubscribedUserSubscriber] });
  });
  afterAll(async () => {
    await opened?.close();
  });
  afterEach(async () => {
    for (const alone of others.splice(0)) await alone.close();
    vi.restoreAllMocks();
  });

  it.skipIf(skip)('reads a plain entity by id and by email as findOneBy does, without going through it', async () => {
    const repository = opened.dataSource.getRepository(PlainUser);
    const saved = await seed(opened, PlainUser, { email: 'plain@x.io', isVerified: true, firstName: 'Pia', logins: 3 });
    const gone = await seed(opened, PlainUser, { email: 'gone@x.io' });
    await repository.softRemove(gone);
    const expected = await repository.findOneBy({ id: saved.id });
    const [byId, byEmail] = [new UserRowReader(repository, 'id'), new UserRowReader(repository, 'email')];

    // The subscriber of another entity (SubscribedUser) does not take this one off the fast path.
    const findOneBy = vi.spyOn(repository, 'findOneBy');
    const found = await byId.findOne(saved.id);
    expect(await byEmail.findOne('plain@x.io')).toStrictEqual(found);
    expect(findOneBy).not.toHaveBeenCalled();
    findOneBy.mockRestore();

    expect(found).toStrictEqual(expected);
    expect(found).toBeInstanceOf(PlainUser);
    expect(found).toMatchObject({
      isActive: true,
      isSuperuser: false,
      isVerified: true,
      firstName: 'Pia',
      logins: 3,
      deletedAt: null,
    });
    expect(found!.pendingChanges).toEqual([]);
    expect(await byId.findOne(randomUUID())).toBeNull();
    expect(await byId.findOne(gone.id)).toBeNull();
    expect(await repository.findOneBy({ id: gone.id })).toBeNull();
  });

  it.skipIf(skip)('creates the entity as find does: without its constructor under entitySkipConstructor', async () => {
    const alone = await openAlone({ entitySkipConstructor: true });
    const repository = alone.dataSource.getRepository(PlainUser);
    const saved = await seed(alone, PlainUser, { email: 'unbuilt@x.io' });
    const found = await new UserRowReader(repository, 'id').findOne(saved.id);
    expect(found).toBeInstanceOf(PlainUser);
    expect(found!.pendingChanges).toBeUndefined();
    expect(found).toStrictEqual(await repository.findOneBy({ id: saved.id }));
  });

  it.skipIf(skip)('runs @AfterLoad listeners', async () => {
    const repository = opened.dataSource.getRepository(ListenedUser);
    const saved = await seed(opened, ListenedUser, { email: 'lena@x.io' });
    for (const [property, value] of [
      ['id', saved.id],
      ['email', 'lena@x.io'],
    ] as const) {
      const found = await new UserRowReader(repository, property).findOne(value);
      expect(found).toMatchObject({ id: saved.id, displayName: 'lena' });
      expect(found).toStrictEqual(await repository.findOneBy({ id: saved.id }));
    }
    // The adapter's per-request read (and its by-email read) is this reader.
    const users = new TypeOrmUserRepository(repository);
    expect(await users.get(saved.id)).toMatchObject({ displayName: 'lena' });
    expect(await users.getByEmail('lena@x.io')).toMatchObject({ displayName: 'lena' });
    expect(await new UserRowReader(repository, 'id').findOne(undefined)).toBeNull();
    expect(await new UserRowReader(repository, 'email').findOne(null)).toBeNull();
  });

  it.skipIf(skip)("runs an entity subscriber's afterLoad", async () => {
    const repository = opened.dataSource.getRepository(SubscribedUser);
    const saved = await seed(opened, SubscribedUser, { email: 'sub@x.io' });
    expect(await new UserRowReader(repository, 'id').findOne(saved.id)).toMatchObject({ id: saved.id, seenBy: 'subscriber' });
    expect(await new UserRowReader(repository, 'email').findOne('sub@x.io')).toMatchObject({ seenBy: 'subscriber' });
  });

  it.skipIf(skip)(
    'runs the afterLoad of a subscriber to every entity or to a parent class, added after the reader was built (as Nest providers do)',
    async () => {
      const alone = await openAlone({});
      const saved = await seed(alone, PlainUser, { email: 'late@x.io' });
      const reader = new UserRowReader(alone.dataSource.getRepository(PlainUser), 'id');
      expect(await reader.findOne(saved.id)).toMatchObject({ id: saved.id });

      const loaded: unknown[] = [];
      alone.dataSource.subscribers.push({ afterLoad: (entity: unknown) => void loaded.push(entity) });
      const found = await reader.findOne(saved.id);
      expect(loaded).toEqual([found]);

      // A subscriber to a parent class hears its subclasses too.
      alone.dataSource.subscribers.splice(0, Infinity, {
        listenTo: () => BaseUserEntityUUID,
        afterLoad: (entity: unknown) => void loaded.push(entity),
      });
      await reader.findOne(saved.id);
      expect(loaded).toHaveLength(2);
    },
  );

  it.skipIf(skip)("shows the read to the app's logger and to query subscribers", async () => {
    const logged: string[] = [];
    const logger: Logger = {
      logQuery: (query) => void logged.push(query),
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    const queried: string[] = [];
    @EventSubscriber()
    class QueryAudit implements EntitySubscriberInterface {
      beforeQuery(event: { query: string }): void {
        queried.push(event.query);
      }
    }
    const alone = await openAlone({ logger, subscribers: [QueryAudit] });
    const saved = await seed(alone, PlainUser, { email: 'log@x.io' });
    const reader = new UserRowReader(alone.dataSource.getRepository(PlainUser), 'id');
    [logged.length, queried.length] = [0, 0];

    expect(await reader.findOne(saved.id)).toMatchObject({ id: saved.id });
    for (const seen of [logged, queried]) expect(seen.filter((query) => /^SELECT .*plain_user/s.test(query))).toHaveLength(1);
  });

  it.skipIf(skip)("shows the read to TypeORM's own logger when query logging is on", async () => {
    const alone = await openAlone({ logging: ['query'] });
    const saved = await seed(alone, PlainUser, { email: 'logged@x.io' });
    const reader = new UserRowReader(alone.dataSource.getRepository(PlainUser), 'email');
    const logQuery = vi.spyOn(alone.dataSource.logger, 'logQuery').mockImplementation(() => undefined);

    expect(await reader.findOne('logged@x.io')).toMatchObject({ id: saved.id });
    expect(logQuery.mock.calls.filter(([query]) => /^SELECT .*plain_user/s.test(query))).toHaveLength(1);
  });

  it.skipIf(skip)('logs a failed read and raises it as TypeORM does', async () => {
    const alone = await openAlone({ logging: ['error'] });
    const repository = alone.dataSource.getRepository(PlainUser);
    const reader = new UserRowReader(repository, 'id');
    await repository.query(`DROP TABLE ${repository.metadata.tablePath}`);
    const logQueryError = vi.spyOn(alone.dataSource.logger, 'logQueryError').mockImplementation(() => undefined);

    await expect(reader.findOne(randomUUID())).rejects.toBeInstanceOf(QueryFailedError);
    expect(logQueryError).toHaveBeenCalledTimes(1);
  });

  it.skipIf(skip)('applies column transformers to the searched value and to the values read', async () => {
    const repository = opened.dataSource.getRepository(SealedUser);
    const saved = await seed(opened, SealedUser, { email: 'seal@x.io', preferences: { theme: 'dark' } });
    expect(await repository.query(`SELECT email FROM ${repository.metadata.tablePath}`)).toEqual([
      { email: sealed.to('seal@x.io') },
    ]);

    const byEmail = await new UserRowReader(repository, 'email').findOne('seal@x.io');
    expect(byEmail).toMatchObject({ id: saved.id, email: 'seal@x.io', preferences: { theme: 'dark' } });
    const byId = await new UserRowReader(repository, 'id').findOne(saved.id);
    expect(byId).toStrictEqual(byEmail);
    expect(byId).toStrictEqual(await repository.findOneBy({ id: saved.id }));
  });

  it.skipIf(skip)('gives a row of a child entity (single table inheritance) its own class', async () => {
    const repository = opened.dataSource.getRepository(Account);
    const admin = await seed(opened, AdminAccount, { email: 'admin@x.io', team: 'ops' });
    const found = await new UserRowReader(repository, 'id').findOne(admin.id);
    expect(found).toBeInstanceOf(AdminAccount);
    expect(found).toMatchObject({ email: 'admin@x.io', team: 'ops' });
  });

  it.skipIf(skip)('follows the DataSource through destroy() (a connection failure) and a new initialize()', async () => {
    const alone = await openAlone({});
    const saved = await seed(alone, PlainUser, { email: 'd@x.io' });
    const reader = new UserRowReader(alone.dataSource.getRepository(PlainUser), 'id');
    expect(await reader.findOne(saved.id)).toMatchObject({ email: 'd@x.io' });

    await alone.dataSource.destroy();
    const error = await reader.findOne(saved.id).catch((e: unknown) => e);
    expect(isConnectionFailure(error), String(error)).toBe(true);

    await alone.dataSource.initialize();
    expect(await reader.findOne(saved.id)).toMatchObject({ email: 'd@x.io' });
  });
});
