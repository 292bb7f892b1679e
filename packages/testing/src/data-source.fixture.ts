import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';

/** The databases the adapters are tested on (`mysql` is MySQL or MariaDB, whichever `TEST_MYSQL_URL` reaches). */
export type TestDatabaseKind = 'sqlite' | 'postgres' | 'mysql';

/** Where one suite keeps its tables, isolated from every other suite and run. */
export interface TestDatabase {
  kind: TestDatabaseKind;
  /**
   * `type` plus where to connect: a temp SQLite file, `TEST_POSTGRES_URL` with a schema of its own, or
   * `TEST_MYSQL_URL` with a database of its own.
   */
  options: DataSourceOptions;
  /** The private schema (PostgreSQL) or database (MySQL/MariaDB, where the two are one thing). */
  schema?: string;
  /** Removes the file, the schema or the database with everything in it. */
  drop(): Promise<void>;
}

/** Settings a suite adds to the connection options. */
export type TestDataSourceOptions = Partial<
  Pick<
    DataSourceOptions,
    | 'entities'
    | 'subscribers'
    | 'logging'
    | 'logger'
    | 'maxQueryExecutionTime'
    | 'cache'
    | 'synchronize'
    | 'entitySkipConstructor'
  >
> & {
  postgres?: {
    /**
     * Pool size; `openTestDataSource` also opens them all up front (pg connects lazily: on a cold pool the first of
     * several racing queries finishes before the others are even connected, and the race is never run).
     */
    connections?: number;
    installExtensions?: boolean;
    /** Another server or database than `TEST_POSTGRES_URL`'s (e.g. a private one a test may lock). */
    url?: string;
  };
  mysql?: {
    /** Pool size, all opened up front by `openTestDataSource` (as for PostgreSQL). */
    connections?: number;
    /** Another server than `TEST_MYSQL_URL`'s. */
    url?: string;
    /**
     * TypeORM's driver type. @default `'mariadb'` when the server says it is MariaDB, else `'mysql'` (what an app on
     * that server would pick)
     */
    type?: 'mysql' | 'mariadb';
    /**
     * The collation of the new database. @default `utf8mb4_bin`, as the TypeORM adapter's docs ask (see
     * `BaseUserEntity`); `null` leaves the server's default (on MariaDB `utf8mb4_general_ci`: case- and
     * accent-insensitive)
     */
    collation?: string | null;
  };
};

export interface TestDataSource {
  dataSource: DataSource;
  database: TestDatabase;
  /** Destroys the DataSource (if still initialized) and drops the database. */
  close(): Promise<void>;
}

const postgresUrl = (): string | undefined => process.env.TEST_POSTGRES_URL;
const mysqlUrl = (): string | undefined => process.env.TEST_MYSQL_URL;

const SERVERS = {
  postgres: {
    name: 'PostgreSQL',
    variable: 'TEST_POSTGRES_URL',
    example: 'postgres://postgres@127.0.0.1:5432/test',
    url: postgresUrl,
  },
  mysql: { name: 'MySQL/MariaDB', variable: 'TEST_MYSQL_URL', example: 'mysql://root@127.0.0.1:3306/test', url: mysqlUrl },
} as const;

/**
 * Whether `kind` can run here; prints why not (PostgreSQL needs `TEST_POSTGRES_URL`, MySQL/MariaDB
 * `TEST_MYSQL_URL`), so a suite can `describe.skipIf(!testDatabaseAvailable(kind, 'My suite'))`.
 */
export function testDatabaseAvailable(kind: TestDatabaseKind, suite: string): boolean {
  if (kind === 'sqlite') return true;
  const server = SERVERS[kind];
  if (server.url()) return true;
  console.warn(`${suite}: the ${server.name} variant is skipped: set ${server.variable} (e.g. ${server.example}).`);
  return false;
}

/**
 * A fresh place for tables: a SQLite file in a new temp folder (a file, unlike `:memory:`, has the real journal and
 * locking), a new schema on `TEST_POSTGRES_URL`, or a new database on `TEST_MYSQL_URL`, so parallel suites never see
 * each other's rows.
 */
export async function createTestDatabase(kind: TestDatabaseKind, settings: TestDataSourceOptions = {}): Promise<TestDatabase> {
  const { postgres, mysql: mysqlSettings, ...common } = settings;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'nest-users-test-'));
    return {
      kind,
      options: { synchronize: true, ...common, type: 'better-sqlite3', database: join(dir, 'test.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `nest_users_test_${randomBytes(8).toString('hex')}`;
  if (kind === 'mysql') {
    const url = mysqlSettings?.url ?? mysqlUrl();
    if (!url) throw new Error('TEST_MYSQL_URL is not set');
    const { connections, collation = 'utf8mb4_bin' } = mysqlSettings ?? {};
    const charset = collation === null ? '' : ` CHARACTER SET utf8mb4 COLLATE ${collation}`;
    const [, [{ version }]] = await mysqlAdminQuery<[unknown, [{ version: string }]]>(url, [
      `CREATE DATABASE \`${schema}\`${charset}`,
      'SELECT VERSION() AS version',
    ]);
    const type = mysqlSettings?.type ?? (/mariadb/i.test(version) ? 'mariadb' : 'mysql');
    const database = new URL(url);
    database.pathname = `/${schema}`;
    return {
      kind,
      schema,
      options: {
        synchronize: true,
        ...common,
        type,
        url: database.toString(),
        ...(connections === undefined ? {} : { poolSize: connections }),
      },
      drop: () => mysqlAdminQuery(url, [`DROP DATABASE IF EXISTS \`${schema}\``]).then(() => undefined),
    };
  }
  const url = postgres?.url ?? postgresUrl();
  if (!url) throw new Error('TEST_POSTGRES_URL is not set');
  await adminQuery(url, `CREATE SCHEMA "${schema}"`);
  const { connections, installExtensions } = postgres ?? {};
  return {
    kind,
    schema,
    options: {
      synchronize: true,
      ...common,
      type: 'postgres',
      url,
      schema,
      ...(installExtensions === undefined ? {} : { installExtensions }),
      ...(connections === undefined ? {} : { extra: { max: connections } }),
    },
    drop: () => adminQuery(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  };
}

/** An initialized DataSource on a fresh test database (tables created by `synchronize` unless turned off). */
export async function openTestDataSource(kind: TestDatabaseKind, settings: TestDataSourceOptions = {}): Promise<TestDataSource> {
  const database = await createTestDatabase(kind, settings);
  const dataSource = new DataSource(database.options);
  const close = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  };
  try {
    await dataSource.initialize();
    // Pools connect lazily: on a cold pool the first of several racing queries finishes before the others are even
    // connected, and the race is never run.
    const connections =
      (kind === 'postgres' ? settings.postgres : kind === 'mysql' ? settings.mysql : undefined)?.connections ?? 0;
    const sleep = kind === 'postgres' ? 'SELECT pg_sleep(0.01)' : 'SELECT SLEEP(0.01)';
    if (kind !== 'sqlite') await Promise.all(Array.from({ length: connections }, () => dataSource.query(sleep)));
  } catch (error) {
    await close();
    throw error;
  }
  return { dataSource, database, close };
}

/**
 * One statement on its own short-lived connection, so dropping never depends on the suite's pool. pg is loaded here,
 * not at the top (like mysql2 below): an app testing on SQLite alone need not install it.
 */
async function adminQuery(url: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Statements on their own short-lived connection (as `adminQuery`); resolves to each statement's rows. mysql2 is
 * loaded here, not at the top, so that suites on SQLite and PostgreSQL run without it installed.
 */
async function mysqlAdminQuery<T extends unknown[]>(url: string, statements: string[]): Promise<T> {
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection(url);
  try {
    const results: unknown[] = [];
    for (const sql of statements) results.push((await connection.query(sql))[0]);
    return results as T;
  } finally {
    await connection.end();
  }
}
