import type { StoredToken, TokenKind, TokenStore } from '@nest-users/core';
import { IsNull, LessThanOrEqual, MoreThan, type Repository } from 'typeorm';
import type { AccessTokenEntity } from './access-token.entity.js';
import { withDatabaseOutage } from './store-unavailable.util.js';
import { queueWrite } from './write-queue.util.js';

/**
 * `TokenStore` on the `access_token` table (SQLite through better-sqlite3, PostgreSQL through pg, MySQL and MariaDB
 * through mysql2); a database that does not answer surfaces as `StoreUnavailableError`.
 * @publicApi
 */
export class TypeOrmTokenStore implements TokenStore {
  constructor(protected readonly repository: Repository<AccessTokenEntity>) {}

  async save(token: StoredToken): Promise<void> {
    const row = { ...token, family: token.family ?? null, fingerprint: token.fingerprint ?? null, spentAt: null };
    // insert, not save: save would first SELECT the row to choose between INSERT and UPDATE.
    await this.write(() => this.repository.insert(row));
  }

  async find(hash: string, kind: TokenKind): Promise<StoredToken | null> {
    const now = new Date();
    // `kind = :kind` never matches a row without kind (NULL): such a row is neither kind.
    const row = await withDatabaseOutage(() =>
      this.repository.findOneBy({ hash, kind, spentAt: IsNull(), expiresAt: MoreThan(now) }),
    );
    return row && toStoredToken(row);
  }

  async spend(hash: string, kind: TokenKind): Promise<{ token: StoredToken; alreadySpent: boolean } | null> {
    return this.write(async () => {
      const now = new Date();
      // One UPDATE … WHERE spentAt IS NULL: the database decides, so of concurrent callers exactly one spends it.
      const { affected } = await this.repository.update(
        { hash, kind, spentAt: IsNull(), expiresAt: MoreThan(now) },
        { spentAt: now },
      );
      const row = await this.repository.findOneBy({ hash, kind });
      // Gone (never saved, or deleted meanwhile, e.g. its family revoked) or another kind: unknown, not a reuse.
      if (!row) return null;
      if (affected) return { token: toStoredToken(row), alreadySpent: false };
      // Not updated: spent earlier (a reuse while it lives) or expired (unknown).
      return row.spentAt && row.expiresAt > now ? { token: toStoredToken(row), alreadySpent: true } : null;
    });
  }

  async delete(hash: string): Promise<void> {
    await this.write(() => this.repository.delete({ hash }));
  }

  async deleteFamily(family: string): Promise<void> {
    await this.write(() => this.repository.delete({ family }));
  }

  async deleteUser(userId: string): Promise<void> {
    await this.write(() => this.repository.delete({ userId }));
  }

  async purgeExpired(): Promise<number> {
    const { affected } = await this.write(() => this.repository.delete({ expiresAt: LessThanOrEqual(new Date()) }));
    return affected ?? 0;
  }

  private write<T>(run: () => Promise<T>): Promise<T> {
    return withDatabaseOutage(() => queueWrite(this.repository.manager.dataSource, run));
  }
}

function toStoredToken(row: AccessTokenEntity): StoredToken {
  return {
    hash: row.hash,
    userId: row.userId,
    kind: row.kind!,
    expiresAt: row.expiresAt,
    family: row.family,
    fingerprint: row.fingerprint,
  };
}
