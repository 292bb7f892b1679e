import { InMemoryUserRepository } from '@nest-users/testing';
import { describeUserRepositoryContract, type ContractUser } from '@nest-users/testing/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { UserAlreadyExistsError } from '../errors/user.errors.js';
import { CachedUserRepository } from './cached-user.repository.js';

type TestUser = ContractUser;

describeUserRepositoryContract('CachedUserRepository over the in-memory one', async () => {
  const inner = new InMemoryUserRepository<TestUser>();
  return {
    repository: new CachedUserRepository(inner, { ttlSeconds: 60 }),
    count: async () => inner.size,
    teardown: async () => inner.clear(),
    customFields: true,
  };
});

function setup(options = { ttlSeconds: 30, maxEntries: 100 }) {
  const inner = new InMemoryUserRepository<TestUser>();
  const reads = vi.spyOn(inner, 'get');
  const cache = new CachedUserRepository(inner, options);
  return { inner, reads, cache };
}

describe('CachedUserRepository', () => {
  afterEach(() => vi.useRealTimers());

  it('serves a user read by id from memory until ttlSeconds have passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-06-01T00:00:00Z') });
    const { inner, reads, cache } = setup();
    const ada = await inner.create({ email: 'ada@example.com', hashedPassword: 'h' });
    for (let i = 0; i < 3; i++) expect(await cache.get(ada.id)).toMatchObject({ email: 'ada@example.com' });
    expect(reads).toHaveBeenCalledTimes(1);

    // A write made behind its back (another instance, SQL) shows once the entry expires, not before.
    await inner.update(ada, { isActive: false });
    vi.setSystemTime(new Date('2026-06-01T00:00:29Z'));
    expect(await cache.get(ada.id)).toMatchObject({ isActive: true });
    vi.setSystemTime(new Date('2026-06-01T00:00:30Z'));
    expect(await cache.get(ada.id)).toMatchObject({ isActive: false });
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['update', (cache: CachedUserRepository<TestUser>, user: TestUser) => cache.update(user, { isActive: false })],
    [
      'updateIf',
      (cache: CachedUserRepository<TestUser>, user: TestUser) => cache.updateIf(user, { isActive: true }, { isActive: false }),
    ],
  ])('shows a change made through %s at once', async (_name, write) => {
    const { inner, cache } = setup();
    const ada = await inner.create({ email: 'ada@example.com', hashedPassword: 'h' });
    expect(await cache.get(ada.id)).toMatchObject({ isActive: true });
    await write(cache, ada);
    expect(await cache.get(ada.id)).toMatchObject({ isActive: false });
  });

  it('forgets a deleted user at once', async () => {
    const { inner, cache } = setup();
    const ada = await inner.create({ email: 'ada@example.com', hashedPassword: 'h' });
    await cache.get(ada.id);
    await cache.delete(ada);
    expect(await cache.get(ada.id)).toBeNull();
  });

  it('does not remember a read that raced with a write: it may hold the row from before the write', async () => {
    const { inner, reads, cache } = setup();
    const ada = await inner.create({ email: 'ada@example.com', hashedPassword: 'old' });
    const before = (await inner.get(ada.id))!;
    let release!: () => void;
    reads.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(before))));

    const slowRead = cache.get(ada.id);
    await cache.update(ada, { hashedPassword: 'new' });
    release();
    expect(await slowRead).toMatchObject({ hashedPassword: 'old' }); // what the store said when asked
    expect(await cache.get(ada.id)).toMatchObject({ hashedPassword: 'new' });
  });

  it('forgets the user even when the write fails: the next read shows the store as it is', async () => {
    const { inner, cache } = setup();
    const ada = await inner.create({ email: 'ada@example.com', hashedPassword: 'h' });
    await inner.create({ email: 'bob@example.com', hashedPassword: 'h' });
    await cache.get(ada.id);
    await expect(cache.update(ada, { email: 'bob@example.com' })).rejects.toBeInstanceOf(UserAlreadyExistsError);
    await inner.update(ada, { isActive: false });
    expect(await cache.get(ada.id)).toMatchObject({ email: 'ada@example.com', isActive: false });

    // A write that committed but never answered (a timeout), with a read served while it ran: that read is not kept.
    const update = inner.update.bind(inner);
    let answer!: () => void;
    vi.spyOn(inner, 'update').mockImplementationOnce(async (user, data) => {
      await new Promise<void>((resolve) => (answer = resolve));
      await update(user, data);
      throw new Error('timeout');
    });
    const write = cache.update(ada, { isVerified: true });
    expect(await cache.get(ada.id)).toMatchObject({ isVerified: false });
    answer();
    await expect(write).rejects.toThrow('timeout');
    expect(await cache.get(ada.id)).toMatchObject({ isVerified: true });
  });

  it('hands out copies: changing one cannot change what the next request sees', async () => {
    const { inner, cache } = setup();
    const ada = await inner.create({ email: 'ada@example.com', hashedPassword: 'h' });
    const first = (await cache.get(ada.id))!;
    first.isSuperuser = true;
    const second = (await cache.get(ada.id))!;
    second.isActive = false;
    expect(await cache.get(ada.id)).toMatchObject({ isSuperuser: false, isActive: true });
  });

  it('holds at most maxEntries users, the oldest making room', async () => {
    const { inner, reads, cache } = setup({ ttlSeconds: 30, maxEntries: 2 });
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((name) => inner.create({ email: `${name}@x.io`, hashedPassword: 'h' })),
    );
    for (const user of [a!, b!, c!]) await cache.get(user.id);
    expect(reads).toHaveBeenCalledTimes(3);
    await cache.get(b!.id);
    await cache.get(c!.id);
    expect(reads).toHaveBeenCalledTimes(3);
    await cache.get(a!.id);
    expect(reads).toHaveBeenCalledTimes(4);
  });

  it('never remembers a missing user, and always asks the store by email', async () => {
    const { inner, reads, cache } = setup();
    const byEmail = vi.spyOn(inner, 'getByEmail');
    await cache.get('00000000-0000-4000-8000-000000000000');
    await cache.get('00000000-0000-4000-8000-000000000000');
    expect(reads).toHaveBeenCalledTimes(2);
    const ada = await inner.create({ email: 'ada@example.com', hashedPassword: 'h' });
    await cache.get(ada.id);
    await cache.getByEmail('ada@example.com');
    await cache.getByEmail('ada@example.com');
    expect(byEmail).toHaveBeenCalledTimes(2);
  });

  it('invalidate(id) forgets one user, invalidate() everyone: writes made behind its back show at once', async () => {
    const { inner, cache } = setup();
    const [a, b] = await Promise.all(['a', 'b'].map((name) => inner.create({ email: `${name}@x.io`, hashedPassword: 'h' })));
    await cache.get(a!.id);
    await cache.get(b!.id);
    // Banned by another instance (or SQL): the cache still serves its copies.
    await inner.update(a!, { isActive: false });
    await inner.update(b!, { isActive: false });
    expect(await cache.get(a!.id)).toMatchObject({ isActive: true });
    cache.invalidate(a!.id);
    expect(await cache.get(a!.id)).toMatchObject({ isActive: false });
    expect(await cache.get(b!.id)).toMatchObject({ isActive: true });
    cache.invalidate();
    expect(await cache.get(b!.id)).toMatchObject({ isActive: false });
  });

  it.each([
    [{ ttlSeconds: 0 }],
    [{ ttlSeconds: -1 }],
    [{ ttlSeconds: Number.NaN }],
    [{ ttlSeconds: Number.POSITIVE_INFINITY }],
    [{ ttlSeconds: 5, maxEntries: 0 }],
    [{ ttlSeconds: 5, maxEntries: 1.5 }],
  ])('refuses %j at startup', (options) => {
    expect(() => new CachedUserRepository(new InMemoryUserRepository<TestUser>(), options)).toThrow(UsersAuthConfigurationError);
  });
});
