import { hashToken, InvalidIdError, UserNotExistsError, type UserLookup } from '@nest-users/core';
import { openTestDataSource, testDatabaseAvailable } from '@nest-users/testing/typeorm';
import { Entity, type DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessTokenEntity } from './access-token.entity.js';
import { BaseUserEntityUUID } from './base-user.entity.js';
import { DatabaseStrategy } from './database.strategy.js';
import { TypeOrmUserRepository } from './typeorm-user.repository.js';

@Entity('strategy_user')
class StrategyUser extends BaseUserEntityUUID {}

describe.each([
  { kind: 'sqlite' as const, skip: false },
  { kind: 'postgres' as const, skip: !testDatabaseAvailable('postgres', 'DatabaseStrategy') },
  { kind: 'mysql' as const, skip: !testDatabaseAvailable('mysql', 'DatabaseStrategy') },
])('DatabaseStrategy on $kind', ({ kind, skip }) => {
  let dataSource: DataSource;
  let close: (() => Promise<void>) | undefined;
  let users: TypeOrmUserRepository<StrategyUser>;
  let lookup: UserLookup<StrategyUser, string>;
  let strategy: DatabaseStrategy<StrategyUser, string>;
  const rows = () => dataSource.getRepository(AccessTokenEntity).find();

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('set TEST_POSTGRES_URL to run it');
    ({ dataSource, close } = await openTestDataSource(kind, { entities: [StrategyUser, AccessTokenEntity] }));
    users = new TypeOrmUserRepository(dataSource.getRepository(StrategyUser));
    // What UserManager does: a malformed id or a missing user is "no user", never an error.
    lookup = {
      parseId: (value) => {
        if (typeof value !== 'string' || !/^[0-9a-f-]{36}$/.test(value)) throw new InvalidIdError();
        return value;
      },
      get: async (id) => (await users.get(id)) ?? Promise.reject(new UserNotExistsError()),
    };
    strategy = new DatabaseStrategy(dataSource.getRepository(AccessTokenEntity), { lifetimeSeconds: 3600 });
  });

  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('reads a written token until it is destroyed', async () => {
    const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    const token = await strategy.writeToken(ada);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect((await strategy.readToken(token, lookup))?.id).toBe(ada.id);
    await strategy.destroyToken(token);
    expect(await strategy.readToken(token, lookup)).toBeNull();
    expect(await rows()).toEqual([]);
  });

  it("destroyAllTokens ends every token of one user and no one else's", async () => {
    const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    const grace = await users.create({ email: 'grace@example.com', hashedPassword: 'h' });
    const adaTokens = [await strategy.writeToken(ada), await strategy.writeToken(ada)];
    const graceToken = await strategy.writeToken(grace);
    await strategy.destroyAllTokens(ada);
    for (const token of adaTokens) expect(await strategy.readToken(token, lookup)).toBeNull();
    expect((await strategy.readToken(graceToken, lookup))?.id).toBe(grace.id);
  });

  it('stores only the SHA-256 of the token, with its user and expiry', async () => {
    const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    const before = Date.now();
    const token = await strategy.writeToken(ada);
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ hash: hashToken(token), userId: ada.id, family: null, spentAt: null });
    const expiresIn = stored[0]!.expiresAt.getTime() - before;
    expect(expiresIn).toBeGreaterThan(3599_000);
    expect(expiresIn).toBeLessThan(3601_000);
    // Read back raw, every column as the database holds it: the token appears in none of them.
    const raw = await dataSource.createQueryBuilder().select('*').from(AccessTokenEntity, 't').getRawMany();
    expect(JSON.stringify(raw)).toContain(hashToken(token));
    expect(JSON.stringify(raw)).not.toContain(token);
  });

  it('refuses an expired token', async () => {
    const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    const token = await strategy.writeToken(ada);
    await dataSource
      .getRepository(AccessTokenEntity)
      .update({ hash: hashToken(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await strategy.readToken(token, lookup)).toBeNull();
  });

  it('refuses the token of a deleted user, and anything that is not one of its tokens', async () => {
    const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    const token = await strategy.writeToken(ada);
    await users.delete(ada);
    expect(await strategy.readToken(token, lookup)).toBeNull();
    expect(await strategy.readToken(hashToken(token), lookup)).toBeNull();
    expect(await strategy.readToken('not a token', lookup)).toBeNull();
  });
});
