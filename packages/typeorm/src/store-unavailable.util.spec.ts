import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket, connect } from 'node:net';
import { dirname } from 'node:path';
import { generateOpaqueToken, hashToken, StoreUnavailableError, UserAlreadyExistsError } from '@nest-users/core';
import { createTestDatabase, openTestDataSource } from '@nest-users/testing/typeorm';
import { ConnectionIsNotSetError, DataSource, Entity, QueryFailedError, type DataSourceOptions } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessTokenEntity } from './access-token.entity.js';
import { BaseUserEntityUUID } from './base-user.entity.js';
import { inspect } from 'node:util';
import { isConnectionFailure, withDatabaseOutage, withoutStatementValues } from './store-unavailable.util.js';
import { isUniqueViolation } from './typeorm-user.repository.js';
import { TypeOrmTokenStore } from './typeorm-token.store.js';
import { TypeOrmUserRepository } from './typeorm-user.repository.js';

@Entity('outage_user')
class OutageUser extends BaseUserEntityUUID {}

const codeError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });
/** An error as node-pg raises it for a message of the server: a SQLSTATE and a severity. */
const serverError = (code: string, message = 'boom', severity = 'FATAL') => Object.assign(new Error(message), { code, severity });
const wrapped = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);
/** An error as mysql2 raises it for a message of the server: the ER_ symbol, the number and the SQLSTATE. */
const mysqlError = (code: string, errno = 1040, sqlState = 'HY000') =>
  Object.assign(new Error('boom'), { code, errno, sqlState, sqlMessage: 'boom' });
const mysqlOutageCodes = [
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
];

describe('isConnectionFailure', () => {
  const pgCodes = ['08000', '08001', '08003', '08004', '08006', '08007', '08P01', '57P01', '57P02', '57P03', '57P04', '57P05'];
  const resourceCodes = ['53000', '53100', '53200', '53300', '53400', '57014'];
  const socketCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'];
  it.each<[string, unknown]>([
    ...[...pgCodes, ...resourceCodes].map((code): [string, unknown] => [
      `pg ${code} inside a QueryFailedError`,
      wrapped(serverError(code, 'x', 'ERROR')),
    ]),
    ...pgCodes.map((code): [string, unknown] => [`pg ${code} raised while connecting`, serverError(code)]),
    [
      'pg 55000 raised while connecting ("database is not accepting connections")',
      serverError('55000', 'database "x" is not currently accepting connections'),
    ],
    ["pg 53300 raised while connecting (a role's connection limit)", serverError('53300', 'too many connections for role "app"')],
    [
      'pg 28P01 raised while connecting (the password was changed)',
      serverError('28P01', 'password authentication failed for user "app"'),
    ],
    ['pg 3D000 raised while connecting (the database is gone)', serverError('3D000', 'database "x" does not exist')],
    ...socketCodes.map((code): [string, unknown] => [`${code} as thrown by the pool`, codeError(code)]),
    ['ECONNRESET inside a QueryFailedError', wrapped(codeError('ECONNRESET'))],
    ['a socket error as the cause of another error', new Error('outer', { cause: codeError('ETIMEDOUT') })],
    ['an AggregateError of refused connections (IPv4 + IPv6)', new AggregateError([codeError('ECONNREFUSED')], '')],
    ['pg "Connection terminated unexpectedly"', new Error('Connection terminated unexpectedly')],
    ['pg "Connection terminated due to connection timeout"', new Error('Connection terminated due to connection timeout')],
    ['pg-pool "timeout exceeded when trying to connect"', new Error('timeout exceeded when trying to connect')],
    ['pg "Query read timeout"', wrapped(new Error('Query read timeout'))],
    ['TypeORM "Driver not Connected"', new Error('Driver not Connected')],
    ['TypeORM ConnectionIsNotSetError', new ConnectionIsNotSetError('postgres')],
    ['SQLITE_BUSY', wrapped(codeError('SQLITE_BUSY', 'database is locked'))],
    ['SQLITE_CANTOPEN', codeError('SQLITE_CANTOPEN', 'unable to open database file')],
    ['SQLITE_IOERR_WRITE (an extended code)', wrapped(codeError('SQLITE_IOERR_WRITE', 'disk I/O error'))],
    ...mysqlOutageCodes.map((code): [string, unknown] => [`MySQL ${code} inside a QueryFailedError`, wrapped(mysqlError(code))]),
    ['mysql2 PROTOCOL_CONNECTION_LOST (fatal)', Object.assign(codeError('PROTOCOL_CONNECTION_LOST'), { fatal: true })],
    ['a mysql2 query timeout', wrapped(codeError('PROTOCOL_SEQUENCE_TIMEOUT', 'Query inactivity timeout'))],
    [
      'MySQL ER_ACCESS_DENIED_ERROR raised while connecting',
      Object.assign(mysqlError('ER_ACCESS_DENIED_ERROR', 1045, '28000'), { fatal: true }),
    ],
    ['MySQL ER_BAD_DB_ERROR raised while connecting (not marked fatal)', mysqlError('ER_BAD_DB_ERROR', 1049, '42000')],
    ['mysql2 "Pool is closed."', new Error('Pool is closed.')],
    ["TypeORM's MySQL driver after destroy()", new Error('Connection is not established with mysql database')],
  ])('is true for %s', (_, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', wrapped(codeError('23505', 'duplicate key value'))],
    ['a query refused with 55000 (a query-level object_not_in_prerequisite_state)', wrapped(serverError('55000', 'x', 'ERROR'))],
    ['a query refused with 22P02', wrapped(serverError('22P02', 'invalid input syntax for type integer', 'ERROR'))],
    ['a NUL byte refused (22021)', wrapped(serverError('22021', 'invalid byte sequence for encoding "UTF8": 0x00', 'ERROR'))],
    ['a syntax error (42601)', wrapped(codeError('42601'))],
    ['a missing table (42P01)', wrapped(codeError('42P01', 'relation "x" does not exist'))],
    ['SQLITE_CONSTRAINT_UNIQUE', wrapped(codeError('SQLITE_CONSTRAINT_UNIQUE'))],
    ['MySQL ER_DUP_ENTRY', wrapped(mysqlError('ER_DUP_ENTRY', 1062, '23000'))],
    ['MySQL ER_LOCK_DEADLOCK (retry, as PostgreSQL 40P01)', wrapped(mysqlError('ER_LOCK_DEADLOCK', 1213, '40001'))],
    ['MySQL ER_BAD_NULL_ERROR in a query', wrapped(mysqlError('ER_BAD_NULL_ERROR', 1048, '23000'))],
    ['MySQL ER_TRUNCATED_WRONG_VALUE in a query', wrapped(mysqlError('ER_TRUNCATED_WRONG_VALUE', 1292, '22007'))],
    ['a message that only mentions a connection', new Error('connection string is missing a host')],
    ['a plain Error', new Error('boom')],
    ['a bare string', 'ECONNREFUSED'],
    ['null', null],
  ])('is false for %s', (_, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });

  it('stops on a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isConnectionFailure(a)).toBe(false);
  });
});

describe('withoutStatementValues', () => {
  const secret = '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0$secret-hash';
  const failure = (code: string) =>
    new QueryFailedError(
      'INSERT INTO "user"("email", "hashedPassword") VALUES ($1, $2)',
      ['ada@example.com', secret],
      serverError(code, `invalid input syntax for type integer: "${secret}"`, 'ERROR'),
    );
  /** Everything Nest's ConsoleLogger can print of an error, in text and in JSON mode. */
  const printed = (error: unknown) => `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${(error as Error).stack}`;

  it('keeps the SQLSTATE and the stack frames, and drops the statement, its parameters and the driver message', () => {
    const original = Object.assign(failure('22P02'), { detail: `Failing row contains (${secret}).` });
    expect(printed(original)).toContain(secret);
    const safe = withoutStatementValues(original) as QueryFailedError;
    expect(safe).toBeInstanceOf(QueryFailedError);
    expect(printed(safe)).not.toContain(secret);
    expect(printed(safe)).not.toContain('ada@example.com');
    expect(printed(safe)).not.toContain('INSERT');
    expect(safe.message).toBe('The database refused the statement (22P02).');
    expect(safe.stack).toContain('store-unavailable.util.spec.ts');
  });

  it('keeps what callers map: a unique violation is still one', () => {
    expect(isUniqueViolation(withoutStatementValues(failure('23505')))).toBe(true);
    expect(isUniqueViolation(withoutStatementValues(failure('22P02')))).toBe(false);
    const duplicate = new QueryFailedError('INSERT …', [secret], mysqlError('ER_DUP_ENTRY', 1062, '23000'));
    expect(isUniqueViolation(withoutStatementValues(duplicate))).toBe(true);
  });

  it('passes other errors through, and is applied to every adapter call', async () => {
    const other = new Error('boom');
    expect(withoutStatementValues(other)).toBe(other);
    const error = await withDatabaseOutage(() => Promise.reject(failure('22P02'))).catch((e: unknown) => e);
    expect(printed(error)).not.toContain(secret);
  });
});

describe('withDatabaseOutage', () => {
  it('turns a connection failure into StoreUnavailableError("database") carrying the cause', async () => {
    const cause = codeError('ECONNREFUSED');
    const error = await withDatabaseOutage(() => Promise.reject(cause)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ store: 'database', cause, message: 'database is unavailable.' });
  });

  it('passes results and every other error through unchanged', async () => {
    expect(await withDatabaseOutage(async () => 42)).toBe(42);
    const other = new Error('a bug');
    await expect(withDatabaseOutage(() => Promise.reject(other))).rejects.toBe(other);
  });
});

const quiet = { logQuery() {}, logQueryError() {}, logQuerySlow() {}, logSchemaBuild() {}, logMigration() {}, log() {} };

/** The servers the outage proofs run against, each through a relay, with the timeouts apps should set. */
const servers = [
  {
    name: 'PostgreSQL',
    kind: 'postgres' as const,
    url: process.env.TEST_POSTGRES_URL,
    variable: 'TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)',
    defaultPort: 5432,
    // Bounds getting a connection; query_timeout bounds a query sent on a connection that then stops answering.
    // Idle clients losing their socket make the pool emit errors; they are expected here, not worth a warning.
    timeouts: (ms: number) => ({ connectTimeoutMS: ms, extra: { query_timeout: ms }, poolErrorHandler: () => undefined }),
  },
  {
    name: 'MySQL/MariaDB',
    kind: 'mysql' as const,
    url: process.env.TEST_MYSQL_URL,
    variable: 'TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test)',
    defaultPort: 3306,
    // connectTimeout bounds the handshake; mysql2 has no query timeout of its own, TypeORM passes one per query (and
    // logs every query past it as slow, parameters included, unless the logger is told otherwise).
    timeouts: (ms: number) => ({ connectTimeout: ms, maxQueryExecutionTime: ms, enableQueryTimeout: true, logger: quiet }),
  },
];
for (const { name, url, variable } of servers) {
  if (!url) console.warn(`Skipping the ${name} outage proofs: set ${variable}.`);
}

/**
 * A TCP relay in front of PostgreSQL that the test can cut (port closed, connections dropped) or freeze (connections
 * stay open, nothing gets through, as with a hung server or a black-holed route) and then restore.
 */
class Relay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Bytes held back while frozen, in order; `null` when traffic flows. */
  private held: Array<() => void> | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      this.forward(this.track(client), this.track(upstream));
      this.forward(upstream, client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  freeze(): void {
    this.held ??= [];
  }

  thaw(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const write of held) write();
  }

  /** Closes the port and drops every open connection, as a stopped server does. */
  async stop(): Promise<void> {
    this.thaw();
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk) => (this.held ? this.held.push(() => to.write(chunk)) : to.write(chunk)));
    from.on('close', () => to.destroy());
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('error', () => undefined).on('close', () => this.sockets.delete(socket));
    return socket;
  }
}

function serverTarget(server: (typeof servers)[number]): { host: string; port: number } {
  const url = new URL(server.url!);
  return { host: url.hostname, port: Number(url.port || server.defaultPort) };
}

function urlVia(server: (typeof servers)[number], port: number): string {
  const url = new URL(server.url!);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/** Every method of both adapters, so none of them is left unmapped. */
function everyCall(tokens: TypeOrmTokenStore, users: TypeOrmUserRepository<OutageUser>, user: OutageUser) {
  const hash = hashToken(generateOpaqueToken());
  return {
    'tokens.save': () => tokens.save({ hash, userId: user.id, kind: 'access', expiresAt: new Date(Date.now() + 60_000) }),
    'tokens.find': () => tokens.find(hash, 'access'),
    'tokens.spend': () => tokens.spend(hash, 'refresh'),
    'tokens.delete': () => tokens.delete(hash),
    'tokens.deleteFamily': () => tokens.deleteFamily('family'),
    'tokens.deleteUser': () => tokens.deleteUser(user.id),
    'tokens.purgeExpired': () => tokens.purgeExpired(),
    'users.get': () => users.get(user.id),
    'users.getByEmail': () => users.getByEmail(user.email),
    'users.create': () => users.create({ email: `${hash.toLowerCase()}@example.com`, hashedPassword: 'h' }),
    'users.update': () => users.update(user, { isVerified: true }),
    'users.updateIf': () => users.updateIf(user, { hashedPassword: 'h' }, { hashedPassword: 'h2' }),
    'users.delete': () => users.delete(Object.assign(new OutageUser(), user, { id: randomUUID() })),
  };
}

/** Runs every call at once; each must reject with StoreUnavailableError, and all of them within `withinMs`. */
async function expectAllUnavailable(calls: Record<string, () => Promise<unknown>>, withinMs: number): Promise<number> {
  const started = Date.now();
  const results = await Promise.allSettled(Object.values(calls).map((call) => call()));
  const elapsed = Date.now() - started;
  for (const [i, name] of Object.keys(calls).entries()) {
    const result = results[i]!;
    expect(result.status, `${name} should have failed`).toBe('rejected');
    const reason = (result as PromiseRejectedResult).reason;
    expect(reason, `${name}: ${reason}`).toBeInstanceOf(StoreUnavailableError);
    expect(isConnectionFailure((reason as StoreUnavailableError).cause)).toBe(true);
  }
  expect(elapsed).toBeLessThan(withinMs);
  return elapsed;
}

describe.each(servers)('outages of $name', (server) => {
  if (!server.url) {
    it.skip(`needs ${server.variable}`, () => undefined);
    return;
  }
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  /** The adapters on a DataSource that reaches the server only through a relay, with the timeouts apps should set. */
  async function throughRelay() {
    const relay = new Relay(serverTarget(server));
    await relay.start();
    cleanups.push(() => relay.stop());
    const database = await createTestDatabase(server.kind, { entities: [OutageUser, AccessTokenEntity] });
    cleanups.push(() => database.drop());
    const via = new URL(urlVia(server, relay.port));
    if (server.kind === 'mysql') via.pathname = `/${database.schema}`;
    // The helper's database, but a DataSource of its own: openTestDataSource connects straight to the server and sets
    // no driver timeouts; here every connection goes through the relay, with the timeouts under test.
    const dataSource = await new DataSource({
      ...database.options,
      url: via.toString(),
      ...server.timeouts(500),
    } as DataSourceOptions).initialize();
    cleanups.push(() => dataSource.destroy());
    const tokens = new TypeOrmTokenStore(dataSource.getRepository(AccessTokenEntity));
    const users = new TypeOrmUserRepository(dataSource.getRepository(OutageUser));
    const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    // Fresh arguments per phase: a write that timed out may still reach the server once traffic flows again.
    return { relay, users, ada, calls: () => everyCall(tokens, users, ada) };
  }

  it('a closed port fails initialize() at once with a connection failure', async () => {
    const started = Date.now();
    // No test database: the point is a server that cannot be reached (port 1), which the helper would fail to set up.
    const error = await new DataSource({
      type: server.kind,
      url: urlVia(server, 1),
      ...server.timeouts(1000),
    } as DataSourceOptions)
      .initialize()
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(isConnectionFailure(error), String(error)).toBe(true);
  });

  it('a server that accepts and never answers fails initialize() after connectTimeoutMS', async () => {
    const relay = new Relay(serverTarget(server));
    await relay.start();
    cleanups.push(() => relay.stop());
    relay.freeze();
    const started = Date.now();
    // As above: a server that never answers, which the helper could not make a database on.
    const error = await new DataSource({
      type: server.kind,
      url: urlVia(server, relay.port),
      ...server.timeouts(300),
    } as DataSourceOptions)
      .initialize()
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(isConnectionFailure(error), String(error)).toBe(true);
  });

  it('every adapter call answers StoreUnavailableError at once while the server is down, and works when it is back', async () => {
    const { relay, users, ada, calls } = await throughRelay();
    await relay.stop(); // nothing listens on the port any more, and the pooled connections are gone
    const refused = await expectAllUnavailable(calls(), 2000);
    await relay.start(); // same port: the same DataSource recovers, no restart
    for (const [name, call] of Object.entries(calls())) await expect(call(), name).resolves.not.toThrow();
    expect((await users.get(ada.id))?.isVerified).toBe(true);
    console.info(`${server.name} down: 13 calls answered StoreUnavailableError in ${refused} ms`);
  });

  it('every adapter call answers StoreUnavailableError within its timeouts while the server hangs, and works after', async () => {
    const { relay, calls } = await throughRelay();
    // Warm connections first, so some calls are sent on live connections that then stop answering.
    for (const call of Object.values(calls())) await call();
    relay.freeze();
    const hung = await expectAllUnavailable(calls(), 3000);
    expect(hung, 'bounded by the timeouts, not answered by anything else').toBeGreaterThanOrEqual(450);
    relay.thaw();
    for (const [name, call] of Object.entries(calls())) await expect(call(), name).resolves.not.toThrow();
    console.info(`${server.name} hung: 13 calls answered StoreUnavailableError in ${hung} ms`);
  });
});

describe('outages of SQLite', () => {
  const closes: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closes.splice(0).reverse()) await close();
  });
  const database = async (entities: Function[] = []) => {
    const created = await createTestDatabase('sqlite', { entities });
    closes.push(() => created.drop());
    return created;
  };

  it('a database locked past the busy timeout answers StoreUnavailableError, and works again once unlocked', async () => {
    const { options } = await database([OutageUser, AccessTokenEntity]);
    // The helper's file, opened here for better-sqlite3's busy `timeout` (a setting openTestDataSource does not take),
    // and a second connection below: the other process that holds the lock.
    const dataSource = await new DataSource({ ...options, timeout: 100 } as DataSourceOptions).initialize();
    closes.push(() => dataSource.destroy());
    const tokens = new TypeOrmTokenStore(dataSource.getRepository(AccessTokenEntity));
    const users = new TypeOrmUserRepository(dataSource.getRepository(OutageUser));
    const ada = await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    // Another process (a migration, a backup) holds an exclusive lock on the file.
    const other = await new DataSource({ type: 'better-sqlite3', database: options.database as string }).initialize();
    await other.query('BEGIN EXCLUSIVE');
    const calls = everyCall(tokens, users, ada);
    for (const [name, call] of Object.entries(calls)) {
      await expect(call(), name).rejects.toBeInstanceOf(StoreUnavailableError);
    }
    await other.query('COMMIT');
    await other.destroy();
    for (const [name, call] of Object.entries(calls)) await expect(call(), name).resolves.not.toThrow();
  });

  it('a file that cannot be opened is a connection failure', async () => {
    const { options } = await database();
    // A directory where the file should be: SQLITE_CANTOPEN (a missing directory would just be created). Opened by hand:
    // the helper only opens databases that work.
    const error = await new DataSource({ type: 'better-sqlite3', database: dirname(options.database as string) })
      .initialize()
      .catch((e: unknown) => e);
    expect(isConnectionFailure(error), String(error)).toBe(true);
  });

  it('keeps the unique-violation mapping of the user repository', async () => {
    const { dataSource, close } = await openTestDataSource('sqlite', { entities: [OutageUser] });
    closes.push(close);
    const users = new TypeOrmUserRepository(dataSource.getRepository(OutageUser));
    await users.create({ email: 'ada@example.com', hashedPassword: 'h' });
    await expect(users.create({ email: 'ADA@example.com', hashedPassword: 'h' })).rejects.toBeInstanceOf(UserAlreadyExistsError);
  });
});
