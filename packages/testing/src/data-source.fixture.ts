import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';

/** The two databases the adapters are tested on. */
export type TestDatabaseKind = 'sqlite' | 'postgres';

/** Where one suite keeps its tables, isolated from every other suite and run. */
export interface TestDatabase {
  kind: TestDatabaseKind;
  /** `type` plus where to connect: a temp SQLite file, or `TEST_POSTGRES_URL` with a schema of its own. */
  options: DataSourceOptions;
  /** The private schema (PostgreSQL only). */
  schema?: string;
  /** Removes the file or the schema with everything in it. */
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
};

export interface TestDataSource {
  dataSource: DataSource;
  database: TestDatabase;
  /** Destroys the DataSource (if still initialized) and drops the database. */
  close(): Promise<void>;
}

const postgresUrl = (): string | undefined => process.env.TEST_POSTGRES_URL;

/**
 * Whether `kind` can run here; prints why not (PostgreSQL needs `TEST_POSTGRES_URL`), so a suite can
 * `describe.skipIf(!testDatabaseAvailable(kind, 'My suite'))`.
 */
export function testDatabaseAvailable(kind: TestDatabaseKind, suite: string): boolean {
  if (kind === 'sqlite' || postgresUrl()) return true;
  console.warn(
    `${suite}: the PostgreSQL variant is skipped: set TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test).`,
  );
  return false;
}

/**
 * A fresh place for tables: a SQLite file in a new temp folder (a file, unlike `:memory:`, has the real journal and
 * locking), or a new schema on `TEST_POSTGRES_URL`, so parallel suites never see each other's rows.
 */
export async function createTestDatabase(kind: TestDatabaseKind, settings: TestDataSourceOptions = {}): Promise<TestDatabase> {
  const { postgres, ...common } = settings;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'nest-users-test-'));
    return {
      kind,
      options: { synchronize: true, ...common, type: 'better-sqlite3', database: join(dir, 'test.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = postgres?.url ?? postgresUrl();
  if (!url) throw new Error('TEST_POSTGRES_URL is not set');
  const schema = `nest_users_test_${randomBytes(8).toString('hex')}`;
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
    const connections = settings.postgres?.connections ?? 0;
    if (kind === 'postgres')
      await Promise.all(Array.from({ length: connections }, () => dataSource.query('SELECT pg_sleep(0.01)')));
  } catch (error) {
    await close();
    throw error;
  }
  return { dataSource, database, close };
}

/** One statement on its own short-lived connection, so dropping never depends on the suite's pool. */
async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
