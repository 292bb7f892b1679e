import { hashToken, tokenFingerprint, type TokenStore, type UserProtocol } from '@nest-users/core';
import { In, MoreThan, type FindOptionsWhere, type Repository } from 'typeorm';
import type { FastApiUsersAccessTokenEntity } from './fastapi-users-access-token.entity.js';

/** @publicApi */
export interface FastApiUsersTokenImportOptions<U extends UserProtocol<string>> {
  /** The `accesstoken` table (`FastApiUsersAccessTokenEntity`). */
  tokens: Repository<FastApiUsersAccessTokenEntity>;
  /** The user table, to bind each session to its user's current password hash, as new sessions are. */
  users: Repository<U>;
  /** Where `DatabaseStrategy` keeps its tokens (`new TypeOrmTokenStore(dataSource.getRepository(AccessTokenEntity))`). */
  store: TokenStore;
  /**
   * fastapi-users' `DatabaseStrategy(lifetime_seconds=…)`: a session expires that long after its `created_at`. Required,
   * as nest-users' tokens always expire: if fastapi-users ran with `None`, pick the lifetime you now configure.
   */
  lifetimeSeconds: number;
  /** Rows read and written per round. @default 500 */
  batchSize?: number;
}

/** @publicApi */
export interface FastApiUsersTokenImportResult {
  /** Live sessions now in `store`: their holders stay logged in. */
  imported: number;
  /** Rows dropped: expired, malformed, or of a user who is gone. */
  dropped: number;
}

/**
 * Moves fastapi-users' database sessions to nest-users and empties `accesstoken`: each live token is saved as nest-users
 * saves its own (its SHA-256, bound to the user's password hash, expiring `lifetimeSeconds` after it was created), and
 * every row, imported or not, is deleted, so no token stays in clear. Run it once, when fastapi-users has stopped
 * writing the table; running it again finds the table empty.
 * @publicApi
 */
export async function importFastApiUsersAccessTokens<U extends UserProtocol<string>>(
  options: FastApiUsersTokenImportOptions<U>,
): Promise<FastApiUsersTokenImportResult> {
  const { tokens, users, store, lifetimeSeconds, batchSize = 500 } = options;
  if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
    throw new TypeError('importFastApiUsersAccessTokens: lifetimeSeconds must be a positive whole number of seconds.');
  }
  const result: FastApiUsersTokenImportResult = { imported: 0, dropped: 0 };
  const now = Date.now();
  let after = '';
  for (;;) {
    // created_at is read raw and parsed here: SQLite holds SQLAlchemy's UTC text with microseconds, which TypeORM's
    // Date hydration would read in the process time zone.
    const rows: Array<{ token: string; user_id: string; created_at: unknown }> = await tokens
      .createQueryBuilder('t')
      .select(['t.token AS token', 't.user_id AS user_id', 't.created_at AS created_at'])
      .where({ token: MoreThan(after) } as FindOptionsWhere<FastApiUsersAccessTokenEntity>)
      .orderBy('t.token', 'ASC')
      .limit(batchSize)
      .getRawMany();
    if (rows.length === 0) return result;
    after = rows[rows.length - 1]!.token;
    const owners = await users.findBy({ id: In([...new Set(rows.map((row) => String(row.user_id)))]) } as FindOptionsWhere<U>);
    const byId = new Map(owners.map((user) => [String(user.id), user]));
    for (const row of rows) {
      const user = byId.get(String(row.user_id));
      const createdAt = parseUtc(row.created_at);
      const expiresAt = createdAt === null ? 0 : createdAt + lifetimeSeconds * 1000;
      if (!user || !/^[\w-]{43}$/.test(row.token) || expiresAt <= now) {
        result.dropped++;
        continue;
      }
      const hash = hashToken(row.token);
      // Already there when an earlier run stopped between saving and deleting this batch.
      if (await store.find(hash, 'access')) {
        result.imported++;
        continue;
      }
      await store.save({
        hash,
        userId: String(user.id),
        kind: 'access',
        family: null,
        fingerprint: tokenFingerprint(row.token, user.hashedPassword),
        expiresAt: new Date(expiresAt),
      });
      result.imported++;
    }
    await tokens.delete({ token: In(rows.map((row) => row.token)) });
  }
}

/** A Date (PostgreSQL), or SQLAlchemy's `YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]` text (SQLite), as UTC milliseconds. */
function parseUtc(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value !== 'string') return null;
  const match = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.exec(value.trim());
  if (!match) return null;
  const millis = (match[3] ?? '.0').slice(0, 4).padEnd(4, '0');
  const time = Date.parse(`${match[1]}T${match[2]}${millis}${match[4] ?? 'Z'}`);
  return Number.isNaN(time) ? null : time;
}
