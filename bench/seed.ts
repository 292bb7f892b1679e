import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { BenchUser } from './apps/bench-user.entity.js';

/** The few better-sqlite3 calls used here (the repository ships no @types/better-sqlite3). */
interface SqliteDatabase {
  prepare(sql: string): { run(...params: unknown[]): unknown };
  transaction(run: () => void): () => void;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => SqliteDatabase;

export interface SeededUser {
  id: string;
  email: string;
  hashedPassword: string;
}

export interface SeedResult {
  /** The user whose password is known (`BENCH_EMAIL`), somewhere in the middle of the table. */
  benchUser: SeededUser;
  /** `sample` users spread evenly over the table (for tokens that do not all hit the same row). */
  sample: SeededUser[];
}

export const BENCH_EMAIL = 'bench@example.com';

/**
 * Creates the table exactly as the app's TypeORM `synchronize` would (same entity), then inserts `count` rows in one
 * transaction with better-sqlite3, all sharing one precomputed argon2id hash (of the bench password).
 */
export async function seedDatabase(file: string, count: number, hashedPassword: string, sample = 1000): Promise<SeedResult> {
  const dataSource = await new DataSource({
    type: 'better-sqlite3',
    database: file,
    entities: [BenchUser],
    synchronize: true,
  }).initialize();
  await dataSource.destroy();

  const db = new Database(file);
  const insert = db.prepare(
    'INSERT INTO "user" ("id", "email", "hashedPassword", "isActive", "isSuperuser", "isVerified") VALUES (?, ?, ?, 1, 0, 1)',
  );
  const middle = Math.floor(count / 2);
  const every = Math.max(1, Math.floor(count / sample));
  const picked: SeededUser[] = [];
  let benchUser: SeededUser | undefined;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const user = { id: randomUUID(), email: i === middle ? BENCH_EMAIL : `user${i}@bench.example.com`, hashedPassword };
      insert.run(user.id, user.email, user.hashedPassword);
      if (i === middle) benchUser = user;
      if (i % every === 0 && picked.length < sample) picked.push(user);
    }
  })();
  db.close();
  return { benchUser: benchUser!, sample: picked };
}
