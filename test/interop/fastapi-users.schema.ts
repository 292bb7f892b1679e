import type { TestDatabase } from '@nest-users/testing/typeorm';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';

/**
 * The DDL SQLAlchemy emits for fastapi-users' tables, verbatim: `CreateTable`/`CreateIndex` output (SQLAlchemy 1.4.46,
 * Debian's) for the column definitions of fastapi-users-db-sqlalchemy 7.0.0's `SQLAlchemyBaseUserTableUUID` and
 * `SQLAlchemyBaseAccessTokenTableUUID` (its `GUID` and `TIMESTAMPAware` types included), per dialect. Under
 * SQLAlchemy 2 (fastapi-users 15's) the column order may differ; nothing here depends on it.
 */
export const FASTAPI_USERS_DDL: Record<Exclude<TestDatabase['kind'], 'mysql'>, string> = {
  sqlite: `
CREATE TABLE user (
	email VARCHAR(320) NOT NULL, 
	hashed_password VARCHAR(1024) NOT NULL, 
	is_active BOOLEAN NOT NULL, 
	is_superuser BOOLEAN NOT NULL, 
	is_verified BOOLEAN NOT NULL, 
	id CHAR(36) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_user_email ON user (email);
CREATE TABLE accesstoken (
	token VARCHAR(43) NOT NULL, 
	created_at TIMESTAMP NOT NULL, 
	user_id CHAR(36) NOT NULL, 
	PRIMARY KEY (token), 
	FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE cascade
);
CREATE INDEX ix_accesstoken_created_at ON accesstoken (created_at);
`,
  postgres: `
CREATE TABLE "user" (
	email VARCHAR(320) NOT NULL, 
	hashed_password VARCHAR(1024) NOT NULL, 
	is_active BOOLEAN NOT NULL, 
	is_superuser BOOLEAN NOT NULL, 
	is_verified BOOLEAN NOT NULL, 
	id UUID NOT NULL, 
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_user_email ON "user" (email);
CREATE TABLE accesstoken (
	token VARCHAR(43) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	user_id UUID NOT NULL, 
	PRIMARY KEY (token), 
	FOREIGN KEY(user_id) REFERENCES "user" (id) ON DELETE cascade
);
CREATE INDEX ix_accesstoken_created_at ON accesstoken (created_at);
`,
};

/**
 * Runs SQL on a test database as a fastapi-users deployment would: outside our entities, in the suite's schema. Several
 * statements (DDL) are separated by `;` at the end of a line.
 */
export async function runSql(
  database: TestDatabase,
  sql: string,
  parameters: unknown[] = [],
): Promise<Array<Record<string, unknown>>> {
  const statements = sql.split(/;\s*$/m).filter((statement) => statement.trim());
  if (database.kind === 'sqlite') {
    // A short-lived connection to the suite's test database, outside its entities (raw SQL as fastapi-users runs it).
    const dataSource = new DataSource({ ...database.options, synchronize: false, entities: [] } as DataSourceOptions);
    await dataSource.initialize();
    try {
      let rows: Array<Record<string, unknown>> = [];
      for (const statement of statements) rows = await dataSource.query(statement, parameters);
      return Array.isArray(rows) ? rows : [];
    } finally {
      await dataSource.destroy();
    }
  }
  const client = new pg.Client({ connectionString: (database.options as { url: string }).url });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${database.schema}"`);
    let rows: Array<Record<string, unknown>> = [];
    for (const statement of statements) rows = (await client.query(statement, parameters)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** `now` as SQLAlchemy stores a UTC `datetime` on SQLite (text, microseconds, no offset); a Date for pg. */
export function sqlTimestamp(kind: TestDatabase['kind'], at: Date): string | Date {
  return kind === 'postgres'
    ? at
    : `${at.toISOString().slice(0, 19).replace('T', ' ')}.${String(at.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}
