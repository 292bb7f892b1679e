import { Inject, Injectable } from '@nestjs/common';
import { UserRepository } from '../db/user-repository.interface.js';
import { InvalidIdError, InvalidPasswordError, UserAlreadyExistsError, UserNotExistsError } from '../errors/user.errors.js';
import type { UserCreateData, UserProtocol } from '../interfaces/user.interface.js';
import type { UserLookup } from '../strategy/strategy.interface.js';
import { PasswordHelper } from './password.helper.js';

/** Fields a client can never set on itself (register, `PATCH /users/me`). */
export const PROTECTED_USER_FIELDS = ['id', 'isActive', 'isSuperuser', 'isVerified', 'hashedPassword'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** What a user is created from: an email, a clear-text password, and any custom fields. @publicApi */
export interface UserCreateInput {
  email: string;
  password: string;
  [field: string]: unknown;
}

/** @publicApi */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * All the rules of the user lifecycle, free of HTTP. Subclass it to add hooks or a password policy and pass the
 * subclass as `userManager`; its constructor is yours (dependencies of the base class are property-injected).
 * @publicApi
 */
@Injectable()
export class UserManager<U extends UserProtocol<ID> = UserProtocol<any>, ID = any> implements UserLookup<U, ID> {
  @Inject(UserRepository) protected readonly users!: UserRepository<U, ID>;
  @Inject(PasswordHelper) protected readonly passwordHelper!: PasswordHelper;

  /** Shortest accepted password, in Unicode code points (NIST SP 800-63B). */
  protected readonly minPasswordLength: number = 8;
  /** Longest accepted password, in code points: bounds hashing work per request. */
  protected readonly maxPasswordLength: number = 1024;

  /** Turns a client-supplied id into an `ID`; the default accepts UUID strings. @throws InvalidIdError */
  parseId(value: unknown): ID {
    if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase() as ID;
    throw new InvalidIdError();
  }

  async get(id: ID): Promise<U> {
    const user = await this.users.get(id);
    if (!user) throw new UserNotExistsError();
    return user;
  }

  async getByEmail(email: string): Promise<U> {
    const user = await this.users.getByEmail(email);
    if (!user) throw new UserNotExistsError();
    return user;
  }

  /**
   * Registers a user. With `safe` (the default, used by `POST /auth/register`) the protected fields are dropped.
   * @throws InvalidPasswordError | UserAlreadyExistsError
   */
  async create(input: UserCreateInput, options: { safe?: boolean; request?: unknown } = {}): Promise<U> {
    const { password, email, ...fields } = input;
    await this.validatePassword(password, input);
    if (await this.users.getByEmail(email)) throw new UserAlreadyExistsError();
    const data = (options.safe ?? true) ? omitProtected(fields) : omit(fields, ['id', 'hashedPassword']);
    const user = await this.users.create({
      ...data,
      email,
      hashedPassword: await this.passwordHelper.hash(password),
    } as UserCreateData<U>);
    await this.onAfterRegister(user, options.request);
    return user;
  }

  /**
   * The user these credentials belong to, or `null`. Unknown emails cost one dummy verification, so timing does
   * not reveal which emails exist; an outdated hash is replaced on success.
   */
  async authenticate(credentials: Credentials): Promise<U | null> {
    const user = await this.users.getByEmail(credentials.username);
    if (!user) {
      await this.passwordHelper.verifyDummy(credentials.password);
      return null;
    }
    const { verified, updatedHash } = await this.passwordHelper.verifyAndUpdate(
      credentials.password,
      user.hashedPassword,
    );
    if (!verified) return null;
    return updatedHash ? this.users.update(user, { hashedPassword: updatedHash } as Partial<U>) : user;
  }

  /**
   * The password policy. The default asks for 8 to 1024 characters and nothing else (no composition rules, no
   * trimming). Override it, calling `super`, and throw `InvalidPasswordError(reason)` to refuse.
   */
  async validatePassword(password: string, _user: UserCreateInput | U): Promise<void> {
    const length = [...password].length;
    if (length < this.minPasswordLength) {
      throw new InvalidPasswordError(`Password should be at least ${this.minPasswordLength} characters`);
    }
    if (length > this.maxPasswordLength) {
      throw new InvalidPasswordError(`Password should be at most ${this.maxPasswordLength} characters`);
    }
  }

  /** Called after a user registered. */
  async onAfterRegister(_user: U, _request?: unknown): Promise<void> {}

  /** Called after a successful login, with the transport's response about to be sent. */
  async onAfterLogin(_user: U, _request?: unknown, _response?: unknown): Promise<void> {}
}

function omit<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) as Partial<T>;
}

function omitProtected<T extends object>(value: T): Partial<T> {
  return omit(value, PROTECTED_USER_FIELDS);
}
