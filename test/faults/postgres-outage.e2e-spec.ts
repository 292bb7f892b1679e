import { StoreUnavailableError } from '@nest-users/core';
import { isConnectionFailure, TypeOrmUserRepository } from '@nest-users/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { User } from '../fixtures/user.entity.js';
import { privatePostgresUnavailableReason, startPrivatePostgres, type PrivatePostgres } from '../support/private-servers.js';

/**
 * A private PostgreSQL cluster (initdb + pg_ctl on a spare port) that the test stops, starts, freezes and resumes:
 * while it is away, queries through a raw pg Pool and a TypeORM DataSource fail fast (no hang) with connection
 * errors, TypeOrmUserRepository rejects with StoreUnavailableError('database') (503), and the very same Pool and
 * DataSource work again once it is back.
 */
const reason = privatePostgresUnavailableReason();
if (reason) console.warn(`[postgres-outage] skipped: ${reason}`);

const FAIL_FAST_MS = 2000;

/** Connection attempts and queries give up after a second (pg's client-side timeouts). */
const POOL_OPTIONS = { max: 5, connectionTimeoutMillis: 1000, query_timeout: 1000 } as const;

/** The rejection of `call`, checked to come within FAIL_FAST_MS; returns the error and the time taken. */
async function expectFailsFast(name: string, call: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const outcome = await call().then(
    () => null,
    (error: unknown) => error,
  );
  const ms = Date.now() - started;
  expect(outcome, `${name} succeeded while PostgreSQL was down`).toBeInstanceOf(Error);
  expect(ms, `${name} took ${ms} ms`).toBeLessThan(FAIL_FAST_MS);
  return { error: outcome as Error, ms };
}

/** Polls until `probe` succeeds; returns how long that took. */
async function waitForRecovery(probe: () => Promise<unknown>, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await probe();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Checks the adapter's answer to an outage: StoreUnavailableError('database'), the driver's error as its cause. */
function expectDatabaseUnavailable(error: unknown, name: string): void {
  expect(error, `${name}: ${String(error)}`).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).store).toBe('database');
  expect(isConnectionFailure((error as StoreUnavailableError).cause), name).toBe(true);
}

describe.skipIf(reason)('PostgreSQL outage (private cluster)', () => {
  let server: PrivatePostgres;
  let pool: pg.Pool;
  let dataSource: DataSource;
  let users: TypeOrmUserRepository<User, string>;
  let ada: User;

  beforeAll(async () => {
    const started = Date.now();
    server = await startPrivatePostgres();
    console.info(
      `[postgres-outage] private cluster on port ${server.port} up in ${Date.now() - started} ms (initdb ${server.initdbMs} ms)`,
    );
    pool = new pg.Pool({ connectionString: server.url, ...POOL_OPTIONS });
    // Idle clients are told "terminating connection due to administrator command" when the server stops; a pool
    // without an error listener would crash the process on it.
    pool.on('error', () => undefined);
    // Not openTestDataSource: the private cluster is the test database here (it dies with the test), and the pool needs
    // pg's client-side timeouts (POOL_OPTIONS), which the helper does not set.
    dataSource = await new DataSource({
      type: 'postgres',
      url: server.url,
      entities: [User],
      synchronize: true,
      installExtensions: false,
      extra: POOL_OPTIONS,
    }).initialize();
    users = new TypeOrmUserRepository<User, string>(dataSource.getRepository(User));
    ada = await users.create({ email: 'ada@example.com', hashedPassword: 'hash' });
  });

  // Each case starts with the server up, whatever the previous one left.
  beforeEach(async () => {
    server.resume();
    await server.start();
  });

  afterAll(async () => {
    await pool?.end().catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    await server?.destroy();
  });

  it('fails fast while stopped, and the same Pool and DataSource recover when it starts again', async () => {
    // Warm: connections open and idle in both pools when the server goes away.
    await Promise.all(Array.from({ length: 3 }, () => pool.query('SELECT pg_sleep(0.01)')));
    await Promise.all(Array.from({ length: 3 }, () => dataSource.query('SELECT pg_sleep(0.01)')));
    expect((await users.get(ada.id))?.email).toBe('ada@example.com');

    const stopStarted = Date.now();
    await server.stop();
    const stopMs = Date.now() - stopStarted;

    const failures = {
      pool: await expectFailsFast('pool.query', () => pool.query('SELECT 1')),
      dataSource: await expectFailsFast('dataSource.query', () => dataSource.query('SELECT 1')),
      repository: await expectFailsFast('TypeOrmUserRepository.get', () => users.get(ada.id)),
      create: await expectFailsFast('TypeOrmUserRepository.create', () =>
        users.create({ email: 'grace@example.com', hashedPassword: 'hash' }),
      ),
    };
    // Raw driver errors are connection failures (ECONNREFUSED); the adapter turns them into StoreUnavailableError.
    expect(isConnectionFailure(failures.pool.error), failures.pool.error.message).toBe(true);
    expect(isConnectionFailure(failures.dataSource.error), failures.dataSource.error.message).toBe(true);
    expectDatabaseUnavailable(failures.repository.error, 'get');
    expectDatabaseUnavailable(failures.create.error, 'create');
    // A burst while down: all refused, none left waiting in the pool's queue.
    const burstStarted = Date.now();
    const burst = await Promise.allSettled(Array.from({ length: 50 }, () => users.get(ada.id)));
    expect(burst.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError)).toBe(true);
    expect(Date.now() - burstStarted).toBeLessThan(FAIL_FAST_MS);

    const restartStarted = Date.now();
    await server.start();
    const restartMs = Date.now() - restartStarted;
    const recovery = {
      pool: await waitForRecovery(() => pool.query('SELECT 1')),
      dataSource: await waitForRecovery(() => dataSource.query('SELECT 1')),
    };
    console.info(
      `[postgres-outage] stop ${stopMs} ms; while down (ms): ${JSON.stringify(
        Object.fromEntries(Object.entries(failures).map(([k, v]) => [k, v.ms])),
      )}; restart ${restartMs} ms; back after ${JSON.stringify(recovery)} ms; raw error: ${failures.pool.error.message}`,
    );

    // The data survived, and writes work again on the same DataSource.
    expect((await users.get(ada.id))?.email).toBe('ada@example.com');
    const grace = await users.create({ email: 'grace@example.com', hashedPassword: 'hash' });
    expect((await users.getByEmail('GRACE@example.com'))?.id).toBe(grace.id);
    expect((await pool.query('SELECT count(*)::int AS n FROM "user"')).rows[0].n).toBe(2);
  });

  it('recovers the same way from a crash (pg_ctl stop -m immediate)', async () => {
    await dataSource.query('SELECT 1');
    await server.stop('immediate');
    expectDatabaseUnavailable((await expectFailsFast('TypeOrmUserRepository.get', () => users.get(ada.id))).error, 'get');
    await expectFailsFast('pool.query', () => pool.query('SELECT 1'));
    await server.start();
    await waitForRecovery(() => dataSource.query('SELECT 1'));
    await waitForRecovery(() => pool.query('SELECT 1'));
    expect((await users.get(ada.id))?.email).toBe('ada@example.com');
  });

  it('does not hang on a frozen server: queries time out (query_timeout, connectionTimeoutMillis), then recover', async () => {
    await Promise.all(Array.from({ length: 3 }, () => dataSource.query('SELECT pg_sleep(0.01)')));
    server.pause();
    try {
      const started = Date.now();
      const results = await Promise.allSettled([
        pool.query('SELECT 1'),
        dataSource.query('SELECT 1'),
        users.get(ada.id),
        users.getByEmail('ada@example.com'),
      ]);
      const elapsed = Date.now() - started;
      for (const r of results) expect(r.status).toBe('rejected');
      const [raw, viaDataSource, get, getByEmail] = results.map((r) => (r as PromiseRejectedResult).reason as Error);
      expect(isConnectionFailure(raw), raw!.message).toBe(true);
      expect(isConnectionFailure(viaDataSource), viaDataSource!.message).toBe(true);
      expectDatabaseUnavailable(get, 'get');
      expectDatabaseUnavailable(getByEmail, 'getByEmail');
      expect(elapsed).toBeLessThan(FAIL_FAST_MS + 500);
      console.info(
        `[postgres-outage] frozen server: 4 queries refused after ${elapsed} ms: ${results
          .map((r) => (r as PromiseRejectedResult).reason?.message)
          .join(' | ')}`,
      );
    } finally {
      server.resume();
    }
    const recoveryMs = await waitForRecovery(() => users.get(ada.id));
    expect((await users.get(ada.id))?.email).toBe('ada@example.com');
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    console.info(`[postgres-outage] after resume: back in ${recoveryMs} ms`);
  });
});
