import { QueryFailedError, type ObjectLiteral, type Repository } from 'typeorm';
import { hydratesLikeFind, logsQueries, subscribersSeeRead } from './find-equivalence.util.js';

type ColumnMetadata = Repository<ObjectLiteral>['metadata']['columns'][number];
type Row = Record<string, unknown>;

/** The two better-sqlite3 calls used here (TypeORM types its connection as `any`). */
interface SqliteStatement {
  get(...parameters: unknown[]): Row | undefined;
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

const ALIAS = 'user';

/**
 * Loads one entity by a column, giving exactly what `findOneBy` gives, faster where that is provable: users are read
 * on every authenticated request, and TypeORM's find* re-derives the same query each time (about three times the cost
 * of the query itself on SQLite).
 *
 * - When the entity needs nothing `findOneBy` does beyond hydrating columns (see `hydratesLikeFind`, decided from the
 *   entity metadata at construction) and no subscriber would see the read (checked per read), the SQL is built once
 *   and the row hydrated as TypeORM's own result transformer does. Otherwise it is `findOneBy`.
 * - On better-sqlite3 with nothing logging queries, that SQL runs as a statement prepared once, without TypeORM's
 *   query runner; a failure is logged and raised as the runner would. Elsewhere it runs through the query runner.
 */
export class UserRowReader<E extends ObjectLiteral> {
  private readonly sql: string;
  /** The columns TypeORM's transformer would set: selected, not virtual (e.g. a relation's foreign key). */
  private readonly columns: Array<{ column: ColumnMetadata; key: string }>;
  /** `findOneBy` for good: the entity needs it, or the driver names result columns differently. */
  private findOnly: boolean;
  private columnsChecked = false;
  private readonly prepareOnce: boolean;
  /** The prepared statement, with the connection it belongs to (a re-initialized DataSource has a new one). */
  private prepared?: { connection: SqliteConnection; statement: SqliteStatement };

  constructor(
    private readonly repository: Repository<E>,
    private readonly propertyName: string,
  ) {
    const { metadata } = repository;
    const { options } = repository.manager.connection;
    const builder = repository.createQueryBuilder(ALIAS).where(`${ALIAS}.${propertyName} = :value`, { value: null });
    [this.sql] = builder.getQueryAndParameters();
    this.columns = metadata.columns
      .filter((column) => column.isSelect && !column.isVirtual)
      .map((column) => ({ column, key: `${ALIAS}_${column.databaseName}` }));
    this.findOnly = !hydratesLikeFind(metadata, propertyName, options);
    this.prepareOnce = options.type === 'better-sqlite3' && !logsQueries(options);
  }

  /** `null` for `null`/`undefined` (no user has them; `findOneBy` would throw or match NULL, by its settings). */
  async findOne(value: unknown): Promise<E | null> {
    if (value === null || value === undefined) return null;
    const { subscribers } = this.repository.manager.connection;
    // Other values (a Date, a boolean) are converted by TypeORM's parameter escaping: left to it.
    const plainValue = typeof value === 'string' || typeof value === 'number';
    if (this.findOnly || !plainValue || subscribersSeeRead(subscribers, this.repository.metadata.target)) {
      return this.repository.findOneBy({ [this.propertyName]: value } as never);
    }
    const row = await this.readRow(value);
    if (!row) return null;
    if (!this.columnsChecked) {
      if (!this.columns.every(({ key }) => key in row)) {
        this.findOnly = true;
        return this.findOne(value);
      }
      this.columnsChecked = true;
    }
    return this.hydrate(row);
  }

  /** What TypeORM's `RawSqlResultsToEntityTransformer` does for one row of a plain entity. */
  private hydrate(row: Row): E | null {
    const { driver } = this.repository.manager.connection;
    // `fromDeserializer`: as find, the constructor does not run (class field initializers stay unset).
    const entity = this.repository.metadata.create(undefined, { fromDeserializer: true }) as E;
    let hasData = false;
    for (const { column, key } of this.columns) {
      const value = row[key];
      if (value !== null) hasData = true;
      column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
    }
    return hasData ? entity : null;
  }

  private async readRow(value: string | number): Promise<Row | undefined> {
    const connection = this.prepareOnce ? this.sqliteConnection() : undefined;
    if (!connection) {
      const rows: Row[] = await this.repository.query(this.sql, [value]);
      return rows[0];
    }
    try {
      if (this.prepared?.connection !== connection) this.prepared = { connection, statement: connection.prepare(this.sql) };
      return this.prepared.statement.get(value);
    } catch (error) {
      // What TypeORM's query runner does with a failure: the logger sees it, the caller gets a QueryFailedError.
      this.repository.manager.connection.logger.logQueryError(error as Error, this.sql, [value]);
      throw new QueryFailedError(this.sql, [value], error as Error);
    }
  }

  /** The open better-sqlite3 connection; `undefined` when not connected (TypeORM's own error then). */
  private sqliteConnection(): SqliteConnection | undefined {
    const { driver, isInitialized } = this.repository.manager.connection;
    if (!isInitialized) return undefined;
    const connection = (driver as { databaseConnection?: Partial<SqliteConnection> }).databaseConnection;
    return typeof connection?.prepare === 'function' ? (connection as SqliteConnection) : undefined;
  }
}
