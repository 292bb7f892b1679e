import type { DataSource } from 'typeorm';

// TypeORM's SQLite-family drivers hand every caller one shared query runner. Two overlapping writes then share one
// transaction: a write that starts while another's transaction is open joins it, and is rolled back with it, after
// it already resolved. Writes on those drivers therefore run one at a time; pooled drivers need no queue.
const SINGLE_CONNECTION_TYPES = new Set<string>([
  'better-sqlite3',
  'capacitor',
  'cordova',
  'expo',
  'nativescript',
  'react-native',
  'sqljs',
]);

const tails = new WeakMap<DataSource, Promise<unknown>>();

/** Runs `write` after every earlier queued write on the same data source when that data source has one connection. */
export function queueWrite<T>(dataSource: DataSource, write: () => Promise<T>): Promise<T> {
  if (!SINGLE_CONNECTION_TYPES.has(dataSource.options.type)) return write();
  const run = (tails.get(dataSource) ?? Promise.resolve()).then(write);
  tails.set(
    dataSource,
    run.catch(() => undefined),
  );
  return run;
}
