import {
  canonicalEmail,
  canonicalEmailOrNull,
  legacyEmailSpellings,
  OAuthAccountAlreadyLinkedError,
  OAuthAccountNotFoundError,
  UserAlreadyExistsError,
  UsersAuthConfigurationError,
  type OAuthAccount,
  type OAuthAccountUpdate,
  type UserCreateData,
  type UserProtocol,
  type UserRepository,
} from '@nest-users/core';
import { IsNull, QueryFailedError, Raw, type EntityTarget, type FindOptionsWhere, type Repository } from 'typeorm';
import { OAuthAccountEntity } from './oauth-account.entity.js';
import { withDatabaseOutage } from './store-unavailable.util.js';
import { UserRowReader } from './user-row.reader.js';
import { queueWrite } from './write-queue.util.js';

/** @publicApi */
export interface TypeOrmUserRepositoryOptions {
  /**
   * The entity of linked OAuth accounts: `OAuthAccountEntity` or a subclass of it with the same table layout.
   * @default OAuthAccountEntity (used when it is among the data source's entities)
   */
  oauthAccountEntity?: EntityTarget<OAuthAccountEntity>;
}

/**
 * `UserRepository` on a TypeORM repository (SQLite through better-sqlite3, PostgreSQL through pg, MySQL and MariaDB
 * through mysql2). Stores linked OAuth accounts when `OAuthAccountEntity` is among the data source's entities.
 * @publicApi
 */
export class TypeOrmUserRepository<U extends UserProtocol<ID>, ID = U['id']> implements UserRepository<U, ID> {
  private readonly byId: UserRowReader<U>;
  private readonly byEmail: UserRowReader<U>;
  private readonly oauthAccountEntity: EntityTarget<OAuthAccountEntity>;

  constructor(
    protected readonly repository: Repository<U>,
    options: TypeOrmUserRepositoryOptions = {},
  ) {
    this.byId = new UserRowReader(repository, 'id');
    this.byEmail = new UserRowReader(repository, 'email');
    this.oauthAccountEntity = options.oauthAccountEntity ?? OAuthAccountEntity;
  }

  /** On every authenticated request: SQL built once (see UserRowReader). */
  get(id: ID): Promise<U | null> {
    return withDatabaseOutage(() => this.byId.findOne(id));
  }

  /**
   * By the canonical form (core's `canonicalEmail`); an email that has none belongs to nobody. The row must hold
   * exactly that form: a column whose collation ignores case or accents (MySQL's and MariaDB's defaults) also
   * matches `zoë@…` for `zoe@…`, and that is another address, so another person.
   */
  getByEmail(email: string): Promise<U | null> {
    const canonical = canonicalEmailOrNull(email);
    if (canonical === null) return Promise.resolve(null);
    return withDatabaseOutage(async () => {
      const user = await this.byEmail.findOne(canonical);
      return user?.email === canonical ? user : this.findLegacy(canonical);
    });
  }

  /** @throws InvalidEmailError | UserAlreadyExistsError */
  async create(data: UserCreateData<U>): Promise<U> {
    const email = canonicalEmail(data.email);
    await this.refuseLegacyOwner(email);
    const entity = this.repository.create({ ...data, email } as U);
    return this.write(() => this.repository.save(entity));
  }

  /** @throws InvalidEmailError | UserAlreadyExistsError */
  async update(user: U, data: Partial<U>): Promise<U> {
    const changes = withCanonicalEmail(data);
    if (changes.email !== undefined) await this.refuseLegacyOwner(changes.email, user);
    // Merged into a copy: after a rejected update the caller's object must still describe the stored row.
    const entity = this.repository.merge(this.repository.create(), user, changes as U);
    return this.write(() => this.repository.save(entity));
  }

  /** `expected` holds values as read from the store (a legacy row's email as stored), compared as they are. */
  async updateIf(user: U, expected: Partial<U>, data: Partial<U>): Promise<U | null> {
    const where: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(expected)) where[key] = value ?? IsNull();
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
    const accounts = this.oauthAccountsOrNull();
    await this.write(async () => {
      // Accounts first: a failure in between leaves a user without links, never links to nobody.
      if (accounts) await accounts.delete({ userId: String(user.id) });
      await this.repository.delete({ id: user.id } as FindOptionsWhere<U>);
    });
  }

  async getByOAuthAccount(oauthName: string, accountId: string): Promise<U | null> {
    const accounts = this.oauthAccounts();
    return withDatabaseOutage(async () => {
      const link = await accounts.findOne({ where: { oauthName, accountId }, select: { userId: true, accountId: true } });
      // Exact match only, whatever the column's collation.
      return link && link.accountId === accountId ? this.byId.findOne(link.userId as ID) : null;
    });
  }

  /** @throws OAuthAccountAlreadyLinkedError */
  async addOAuthAccount(user: U, account: OAuthAccount): Promise<U> {
    const accounts = this.oauthAccounts();
    const { oauthName, accountId, accountEmail, accessToken, refreshToken, expiresAt } = account;
    const row = { oauthName, accountId, accountEmail, accessToken, refreshToken, expiresAt, userId: String(user.id) };
    try {
      // insert, not save: save would UPDATE an existing row, i.e. move another user's link.
      await withDatabaseOutage(() => queueWrite(this.repository.manager.dataSource, () => accounts.insert(row)));
    } catch (error) {
      if (isUniqueViolation(error)) throw new OAuthAccountAlreadyLinkedError();
      throw error;
    }
    return (await this.get(user.id)) ?? user;
  }

  /** @throws OAuthAccountNotFoundError */
  async updateOAuthAccount(user: U, oauthName: string, accountId: string, data: OAuthAccountUpdate): Promise<U> {
    const accounts = this.oauthAccounts();
    const { accountEmail, accessToken, refreshToken, expiresAt } = data;
    const changes = Object.fromEntries(
      Object.entries({ accountEmail, accessToken, refreshToken, expiresAt }).filter(([, value]) => value !== undefined),
    );
    const where = { oauthName, accountId, userId: String(user.id) };
    const found = await this.write(async () => {
      if (Object.keys(changes).length === 0) return (await accounts.countBy(where)) > 0;
      return Boolean((await accounts.update(where, changes)).affected);
    });
    if (!found) throw new OAuthAccountNotFoundError();
    return (await this.get(user.id)) ?? user;
  }

  async getOAuthAccounts(user: U): Promise<OAuthAccount[]> {
    const accounts = this.oauthAccounts();
    const rows = await withDatabaseOutage(() => accounts.findBy({ userId: String(user.id) }));
    return rows
      .map(({ oauthName, accountId, accountEmail, accessToken, refreshToken, expiresAt }) => ({
        oauthName,
        accountId,
        accountEmail,
        accessToken,
        refreshToken,
        expiresAt,
      }))
      .sort((a, b) => compareIds(a.oauthName, b.oauthName) || compareIds(a.accountId, b.accountId));
  }

  private oauthAccountsOrNull(): Repository<OAuthAccountEntity> | null {
    const { dataSource } = this.repository.manager;
    return dataSource.hasMetadata(this.oauthAccountEntity) ? dataSource.getRepository(this.oauthAccountEntity) : null;
  }

  private oauthAccounts(): Repository<OAuthAccountEntity> {
    const accounts = this.oauthAccountsOrNull();
    if (!accounts) {
      throw new UsersAuthConfigurationError(
        'OAuth accounts need their table: add OAuthAccountEntity (from @nest-users/typeorm) to the entities of the ' +
          'data source that holds your users (TypeOrmModule.forRoot({ entities: [User, OAuthAccountEntity] })).',
      );
    }
    return accounts;
  }

  /**
   * A row stored before emails were canonical (copied from fastapi-users, which keeps the case as typed), found
   * through SQL `LOWER()` and kept only if its own canonical form matches. Runs only when the indexed exact match
   * missed; an index on `LOWER(email)` makes it fast on a large table. Of several legacy spellings of one address,
   * the first by id wins, every time: ordered here, not by SQL (MariaDB's `uuid` type sorts by its own byte order,
   * not as the text PostgreSQL and SQLite sort).
   */
  private async findLegacy(canonical: string): Promise<U | null> {
    const spellings = legacyEmailSpellings(canonical);
    const rows = await this.repository.find({
      where: { email: Raw((column) => `LOWER(${column}) IN (:...spellings)`, { spellings }) } as FindOptionsWhere<U>,
    });
    const owners = rows.filter((row) => canonicalEmailOrNull(row.email) === canonical);
    return owners.sort((a, b) => compareIds(a.id, b.id))[0] ?? null;
  }

  /** The unique index sees only canonical values, so a legacy row with this address is checked for here. */
  private async refuseLegacyOwner(canonical: string, user?: U): Promise<void> {
    const owner = await withDatabaseOutage(() => this.findLegacy(canonical));
    if (owner && (!user || String(owner.id) !== String(user.id))) throw new UserAlreadyExistsError();
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

/** Integer ids by value, any other id as text (a UUID's text order is its PostgreSQL order). */
function compareIds(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

const UNIQUE_VIOLATIONS = new Set([
  '23505', // PostgreSQL
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'ER_DUP_ENTRY', // MySQL/MariaDB 1062, a unique index or the primary key
]);

/** A unique index refused the row: PostgreSQL `23505`, SQLite `SQLITE_CONSTRAINT_UNIQUE`, MySQL/MariaDB `ER_DUP_ENTRY`. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string } | undefined)?.code;
  return typeof code === 'string' && UNIQUE_VIOLATIONS.has(code);
}
