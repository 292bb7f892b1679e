import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

export type SampleDatabaseOptions =
  { type: 'better-sqlite3'; database: string } | { type: 'postgres'; url: string; schema?: string };

/**
 * Turns a `DATABASE_URL` into TypeORM options.
 * - `sqlite:<file>` (also `sqlite://<file>`, `sqlite::memory:`): a relative file is resolved against `baseDir`.
 * - `postgres://…` / `postgresql://…`: passed to pg as is; an optional `?schema=<name>` selects the schema.
 */
export function parseDatabaseUrl(databaseUrl: string, baseDir: string = process.cwd()): SampleDatabaseOptions {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new Error(`DATABASE_URL "${databaseUrl}" names no file: use e.g. sqlite:data/app.sqlite.`);
    return { type: 'better-sqlite3', database: path === ':memory:' || isAbsolute(path) ? path : resolve(baseDir, path) };
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const url = new URL(databaseUrl);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return { type: 'postgres', url: url.toString(), schema };
  }
  // Never echo the URL itself: it may hold a password.
  throw new Error('DATABASE_URL must start with "sqlite:" or "postgres://" (e.g. postgres://user@host:5432/db).');
}

/** TypeORM options for the sample's entities; creates the SQLite file's directory on first run. */
export function toTypeOrmOptions(database: SampleDatabaseOptions, entities: Function[]): DataSourceOptions {
  if (database.type === 'better-sqlite3' && database.database !== ':memory:') {
    mkdirSync(dirname(database.database), { recursive: true });
  }
  return {
    ...database,
    // Deadlines on every PostgreSQL call: an unreachable or hung server answers 503 in seconds, never hangs a request.
    ...(database.type === 'postgres' && {
      extra: { max: 20, connectionTimeoutMillis: 2000, query_timeout: 5000, statement_timeout: 5000 },
    }),
    entities,
    // The sample creates and updates its tables itself so it runs with zero setup; a real app uses migrations.
    synchronize: true,
  };
}
