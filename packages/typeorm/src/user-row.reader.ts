import { QueryFailedError, type ObjectLiteral, type Repository } from 'typeorm';

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
 * Loads one entity by a column with SQL built once, instead of a fresh query builder per call: the users are read on
 * every authenticated request, and TypeORM's find* re-derives the same query each time (about three times the cost
 * of the query itself on SQLite). On better-sqlite3 the statement is prepared once and run directly, skipping
 * TypeORM's query runner (its query logging and subscribers' query events do not see these reads). Rows are hydrated
 * with the driver's own conversions, column by column; anything this simple path cannot map (e.g. relations
 * selected by default) falls back to `findOneBy` for good.
 */
export class UserRowReader<E extends ObjectLiteral> {
  private readonly sql: string;
  private readonly columns: Array<{ column: ColumnMetadata; key: string }>;
  private fallback: boolean;
  /** The prepared statement, with the connection it belongs to (a re-initialized DataSource has a new one). */
  private prepared?: { connection: SqliteConnection; statement: SqliteStatement };

  constructor(
    private readonly repository: Repository<E>,
    private readonly propertyName: string,
  ) {
    const builder = repository.createQueryBuilder(ALIAS).where(`${ALIAS}.${propertyName} = :value`, { value: null });
    [this.sql] = builder.getQueryAndParameters();
    this.columns = repository.metadata.columns.map((column) => ({ column, key: `${ALIAS}_${column.databaseName}` }));
    this.fallback = repository.metadata.relations.some((relation) => relation.isEager) || this.sql.includes('LEFT JOIN');
  }

  async findOne(value: unknown): Promise<E | null> {
    if (this.fallback) return this.repository.findOneBy({ [this.propertyName]: value } as never);
    const row = await this.readRow(value);
    if (!row) return null;
    if (!this.columns.every(({ key }) => key in row)) {
      // A driver that names result columns differently: use TypeORM's own path from now on.
      this.fallback = true;
      return this.findOne(value);
    }
    const { driver } = this.repository.manager.connection;
    const entity = this.repository.metadata.create() as E;
    for (const { column, key } of this.columns) column.setEntityValue(entity, driver.prepareHydratedValue(row[key], column));
    return entity;
  }

  private async readRow(value: unknown): Promise<Row | undefined> {
    const connection = this.sqliteConnection();
    if (!connection) {
      const rows: Row[] = await this.repository.query(this.sql, [value]);
      return rows[0];
    }
    try {
      if (this.prepared?.connection !== connection) this.prepared = { connection, statement: connection.prepare(this.sql) };
      return this.prepared.statement.get(value);
    } catch (error) {
      // The same error TypeORM's query runner would raise, so outage detection and callers see no difference.
      throw new QueryFailedError(this.sql, [value], error as Error);
    }
  }

  /** The open better-sqlite3 connection; `undefined` for any other driver, or when not connected (TypeORM's error then). */
  private sqliteConnection(): SqliteConnection | undefined {
    const { driver, isInitialized } = this.repository.manager.connection;
    if (driver.options.type !== 'better-sqlite3' || !isInitialized) return undefined;
    const connection = (driver as { databaseConnection?: Partial<SqliteConnection> }).databaseConnection;
    return typeof connection?.prepare === 'function' ? (connection as SqliteConnection) : undefined;
  }
}
