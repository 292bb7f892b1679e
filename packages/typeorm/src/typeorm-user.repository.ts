import { UserAlreadyExistsError, type UserCreateData, type UserProtocol, type UserRepository } from '@nest-users/core';
import { QueryFailedError, type FindOptionsWhere, type Repository } from 'typeorm';
import { canonicalEmail } from './canonical-email.util.js';

/**
 * `UserRepository` on a TypeORM repository (SQLite through better-sqlite3, PostgreSQL through pg).
 * @publicApi
 */
export class TypeOrmUserRepository<U extends UserProtocol<ID>, ID = U['id']> implements UserRepository<U, ID> {
  constructor(protected readonly repository: Repository<U>) {}

  get(id: ID): Promise<U | null> {
    return this.repository.findOneBy({ id } as FindOptionsWhere<U>);
  }

  getByEmail(email: string): Promise<U | null> {
    return this.repository.findOneBy({ email: canonicalEmail(email) } as FindOptionsWhere<U>);
  }

  async create(data: UserCreateData<U>): Promise<U> {
    const entity = this.repository.create({ ...data, email: canonicalEmail(data.email) } as U);
    return this.mapUniqueViolation(() => this.repository.save(entity));
  }

  async update(user: U, data: Partial<U>): Promise<U> {
    const changes = data.email === undefined ? data : { ...data, email: canonicalEmail(data.email) };
    const entity = this.repository.merge(user, changes as U);
    return this.mapUniqueViolation(() => this.repository.save(entity));
  }

  async delete(user: U): Promise<void> {
    await this.repository.delete({ id: user.id } as FindOptionsWhere<U>);
  }

  private async mapUniqueViolation(write: () => Promise<U>): Promise<U> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExistsError();
      throw error;
    }
  }
}

/** PostgreSQL `23505`, SQLite `SQLITE_CONSTRAINT_UNIQUE`. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
