import { UserAlreadyExistsError, type UserCreateData, type UserProtocol, type UserRepository } from '@nest-users/core';
import { IsNull, QueryFailedError, type FindOptionsWhere, type Repository } from 'typeorm';
import { canonicalEmail } from './canonical-email.util.js';
import { withDatabaseOutage } from './store-unavailable.util.js';
import { UserRowReader } from './user-row.reader.js';
import { queueWrite } from './write-queue.util.js';

/**
 * `UserRepository` on a TypeORM repository (SQLite through better-sqlite3, PostgreSQL through pg).
 * @publicApi
 */
export class TypeOrmUserRepository<U extends UserProtocol<ID>, ID = U['id']> implements UserRepository<U, ID> {
  private readonly byId: UserRowReader<U>;
  private readonly byEmail: UserRowReader<U>;

  constructor(protected readonly repository: Repository<U>) {
    this.byId = new UserRowReader(repository, 'id');
    this.byEmail = new UserRowReader(repository, 'email');
  }

  /** On every authenticated request: SQL built once (see UserRowReader). */
  get(id: ID): Promise<U | null> {
    return withDatabaseOutage(() => this.byId.findOne(id));
  }

  getByEmail(email: string): Promise<U | null> {
    return withDatabaseOutage(() => this.byEmail.findOne(canonicalEmail(email)));
  }

  async create(data: UserCreateData<U>): Promise<U> {
    const entity = this.repository.create({ ...data, email: canonicalEmail(data.email) } as U);
    return this.write(() => this.repository.save(entity));
  }

  async update(user: U, data: Partial<U>): Promise<U> {
    // Merged into a copy: after a rejected update the caller's object must still describe the stored row.
    const entity = this.repository.merge(this.repository.create(), user, withCanonicalEmail(data) as U);
    return this.write(() => this.repository.save(entity));
  }

  async updateIf(user: U, expected: Partial<U>, data: Partial<U>): Promise<U | null> {
    const where: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(withCanonicalEmail(expected))) where[key] = value ?? IsNull();
    where.id = user.id;
    type Changes = Parameters<Repository<U>['update']>[1];
    // One UPDATE … WHERE: the database decides the compare-and-set, so of concurrent callers exactly one matches.
    return this.write(async () => {
      const changes = withCanonicalEmail(data) as Changes;
      const { affected } = await this.repository.update(where as FindOptionsWhere<U>, changes);
      return affected ? this.get(user.id) : null;
    });
  }

  async delete(user: U): Promise<void> {
    await this.write(() => this.repository.delete({ id: user.id } as FindOptionsWhere<U>));
  }

  private async write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await withDatabaseOutage(() => queueWrite(this.repository.manager.dataSource, run));
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExistsError();
      throw error;
    }
  }
}

function withCanonicalEmail<T extends { email?: string }>(fields: T): T {
  return fields.email === undefined ? fields : { ...fields, email: canonicalEmail(fields.email) };
}

/** PostgreSQL `23505`, SQLite `SQLITE_CONSTRAINT_UNIQUE`. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
