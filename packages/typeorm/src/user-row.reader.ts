import type { ObjectLiteral, Repository } from 'typeorm';

type ColumnMetadata = Repository<ObjectLiteral>['metadata']['columns'][number];

const ALIAS = 'user';

/**
 * Loads one entity by a column with SQL built once, instead of a fresh query builder per call: the users are read on
 * every authenticated request, and TypeORM's find* re-derives the same query each time (about three times the cost
 * of the query itself on SQLite). Rows are hydrated with the driver's own conversions, column by column; anything
 * this simple path cannot map (e.g. relations selected by default) falls back to `findOneBy` for good.
 */
export class UserRowReader<E extends ObjectLiteral> {
  private readonly sql: string;
  private readonly columns: Array<{ column: ColumnMetadata; key: string }>;
  private fallback: boolean;

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
    const rows: Array<Record<string, unknown>> = await this.repository.query(this.sql, [value]);
    const row = rows[0];
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
}
