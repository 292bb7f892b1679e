import type { DataSourceOptions, EntityMetadata, EntitySubscriberInterface } from 'typeorm';

/**
 * Whether loading a row of this entity by `propertyName` with fixed SQL and hydrating it column by column (each value
 * through the driver's `prepareHydratedValue`, which applies column transformers, into `metadata.create` as TypeORM's
 * own result transformer does) gives what `findOneBy` gives. Everything `findOneBy` does beyond that rules it out:
 * `@AfterLoad` listeners (also in embeddeds; other listeners do not run on a read), a transformer on the looked-up
 * column (find encodes the searched value with it, e.g. an encrypted email), joins and relation loaders, single
 * table inheritance (the row picks the class), virtual columns computed by a query, and an always-on query cache.
 */
export function hydratesLikeFind(metadata: EntityMetadata, propertyName: string, options: DataSourceOptions): boolean {
  const lookup = metadata.findColumnWithPropertyPath(propertyName);
  const cache = options.cache;
  return (
    lookup !== undefined &&
    !lookup.isVirtual &&
    !lookup.transformer &&
    metadata.afterLoadListeners.length === 0 &&
    metadata.tableType === 'regular' &&
    !metadata.discriminatorColumn &&
    metadata.childEntityMetadatas.length === 0 &&
    metadata.relations.every((relation) => !relation.isEager && !relation.isLazy) &&
    metadata.relationIds.length === 0 &&
    metadata.columns.every((column) => !column.isVirtualProperty) &&
    !(typeof cache === 'object' && cache.alwaysEnabled)
  );
}

/**
 * Whether a subscriber would see a read of `target`: its `afterLoad` (TypeORM's rule: no `listenTo`, `Object`, the
 * entity or a parent class) or its query events. Checked on every read: Nest apps push subscribers into
 * `dataSource.subscribers` when their provider is built, which may be after the repository.
 */
export function subscribersSeeRead(subscribers: readonly EntitySubscriberInterface[], target: unknown): boolean {
  for (const subscriber of subscribers) {
    if (subscriber.beforeQuery || subscriber.afterQuery) return true;
    if (!subscriber.afterLoad) continue;
    const listensTo = subscriber.listenTo?.() as unknown;
    if (!listensTo || listensTo === Object || listensTo === target) return true;
    // A subscriber to a parent class also hears its subclasses (`class Admin extends User`: User is Admin's prototype).
    if (typeof listensTo === 'function' && typeof target === 'function' && Object.prototype.isPrototypeOf.call(listensTo, target))
      return true;
  }
  return false;
}

/**
 * Whether TypeORM's query runner would report a successful query: a slow-query threshold, a logger of the app's own
 * (it gets every query, whatever `logging` says), the `debug` logger (the DEBUG variable decides), or query logging on.
 */
export function logsQueries({ logger, logging, maxQueryExecutionTime }: DataSourceOptions): boolean {
  if (maxQueryExecutionTime) return true;
  if (logger !== undefined && (typeof logger !== 'string' || logger === 'debug')) return true;
  return logging === true || logging === 'all' || (Array.isArray(logging) && logging.includes('query'));
}
