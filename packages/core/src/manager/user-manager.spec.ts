import { InMemoryUserRepository } from '@nest-users/testing';
import { Injectable, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { hash, type Options } from '@node-rs/argon2';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import {
  InvalidIdError,
  InvalidPasswordError,
  InvalidResetPasswordTokenError,
  InvalidVerifyTokenError,
  UserAlreadyExistsError,
  UserNotExistsError,
} from '../errors/user.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthModuleOptions } from '../interfaces/users-auth-module-options.interface.js';
import { AUTH_BACKENDS, MANAGED_USER_REPOSITORY, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import { Argon2PasswordHelper, PasswordHelper } from './password.helper.js';
import { UserManager, type UserCreateInput } from './user-manager.js';
import { UserTokens } from './user-tokens.js';

type TestUser = UserProtocol<string> & { nickname?: string };

const ARGON2ID = 2 as unknown as NonNullable<Options['algorithm']>;

@Injectable()
class HookedUserManager extends UserManager<TestUser, string> {
  readonly registered = vi.fn();
  override async onAfterRegister(user: TestUser, request?: unknown) {
    this.registered(user, request);
  }
}

/** Records the tokens the mail hooks receive, as an app's mailer would. */
@Injectable()
class MailingUserManager extends UserManager<TestUser, string> {
  readonly mailed: { verify?: string; reset?: string } = {};
  override async onAfterRequestVerify(_user: TestUser, token: string) {
    this.mailed.verify = token;
  }
  override async onAfterForgotPassword(_user: TestUser, token: string) {
    this.mailed.reset = token;
  }
}

/** Every after-hook throws, with a message that must never reach the log. */
@Injectable()
class ThrowingHooksUserManager extends MailingUserManager {
  readonly failure = () => Promise.reject(new TypeError('secret-in-message'));
  override onAfterRegister = this.failure;
  override onAfterUpdate = this.failure;
  override onAfterVerify = this.failure;
  override onAfterResetPassword = this.failure;
  override onAfterDelete = this.failure;
  override onAfterLogin = this.failure;
}

/** Looks users up in an app's own way: through an override of `get` and `getByEmail`. */
@Injectable()
class LookupUserManager extends MailingUserManager {
  readonly lookups: string[] = [];
  override async get(id: string): Promise<TestUser> {
    this.lookups.push(`get:${id}`);
    return super.get(id);
  }
  override async getByEmail(email: string): Promise<TestUser> {
    this.lookups.push(`getByEmail:${email}`);
    if (email === 'alias@example.com') return super.getByEmail('alice@example.com');
    return super.getByEmail(email);
  }
}

/** A manager wired the way the module wires it (property injection), on a Map repository. */
async function setup(
  options: {
    defaultArgon2?: boolean;
    manager?: typeof UserManager<TestUser, string>;
    options?: Partial<UsersAuthModuleOptions>;
  } = {},
) {
  const repository = new InMemoryUserRepository<TestUser>();
  const passwordHelper = new Argon2PasswordHelper(options.defaultArgon2 ? {} : { memoryCost: 1024, timeCost: 1 });
  const managerClass = options.manager ?? HookedUserManager;
  const moduleOptions: UsersAuthModuleOptions = {
    backends: [new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 60 })],
    ...options.options,
  };
  const moduleRef = await Test.createTestingModule({
    providers: [
      managerClass,
      { provide: MANAGED_USER_REPOSITORY, useValue: repository },
      { provide: PasswordHelper, useValue: passwordHelper },
      { provide: USERS_AUTH_OPTIONS, useValue: moduleOptions },
      { provide: UserTokens, useFactory: () => new UserTokens(moduleOptions) },
      { provide: AUTH_BACKENDS, useValue: moduleOptions.backends },
    ],
  }).compile();
  const manager = moduleRef.get<UserManager<TestUser, string>>(managerClass);
  // The password checks a login pays for, counted at the public PasswordHelper port (the module's `passwordHelper`
  // option): known and unknown emails must cost the same work, which is the timing property itself.
  const checks = {
    verifyDummy: vi.spyOn(passwordHelper, 'verifyDummy'),
    verifyAndUpdate: vi.spyOn(passwordHelper, 'verifyAndUpdate'),
  };
  /** The row as stored, read back through the repository. */
  const stored = async (id: string) => (await repository.get(id))!;
  // What the UserRepository port is handed on create: this Map store draws its own ids, but a real adapter (TypeORM)
  // saves the id it is given, so "no client id reaches the store" is checked at the port.
  const create = vi.spyOn(repository, 'create');
  const handed = () => create.mock.calls.map(([data]) => data);
  return { manager: manager as HookedUserManager, repository, passwordHelper, checks, stored, handed };
}

const input = (fields: Partial<UserCreateInput> = {}): UserCreateInput => ({
  email: 'alice@example.com',
  password: 'correct horse',
  ...fields,
});

describe('UserManager', () => {
  describe('create', () => {
    it('drops id, isActive, isSuperuser, isVerified and hashedPassword with safe: true (the register route)', async () => {
      const { manager, repository, stored, handed } = await setup();
      const user = await manager.create(
        input({
          id: '00000000-0000-4000-8000-000000000000',
          isActive: false,
          isSuperuser: true,
          isVerified: true,
          hashedPassword: '$argon2id$v=19$m=1,t=1,p=1$attacker$chosen',
          nickname: 'ally',
        }),
        { safe: true },
      );

      const row = await stored(user.id);
      for (const seen of [user, row]) {
        expect(seen).toMatchObject({
          email: 'alice@example.com',
          nickname: 'ally',
          isActive: true,
          isSuperuser: false,
          isVerified: false,
        });
      }
      expect(user.id).not.toBe('00000000-0000-4000-8000-000000000000');
      expect(await repository.get('00000000-0000-4000-8000-000000000000')).toBeNull();
      expect(handed()[0]).not.toHaveProperty('id');
      expect(row.hashedPassword).toMatch(/^\$argon2id\$/);
      expect(row.hashedPassword).not.toContain('attacker');
      // The stored hash is the one of the password sent, not the client's.
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horse' })).resolves.toMatchObject({
        id: user.id,
      });
    });

    it.each([{}, { safe: false }])('keeps status fields for app code (%o), but never a client id or hash', async (options) => {
      const { manager, repository, stored, handed } = await setup();
      const user = await manager.create(
        input({ id: 'chosen', hashedPassword: 'chosen', isSuperuser: true, isVerified: true, isActive: false }),
        options,
      );
      const row = await stored(user.id);
      expect(row).toMatchObject({ isSuperuser: true, isVerified: true, isActive: false });
      expect(user.id).not.toBe('chosen');
      expect(await repository.get('chosen')).toBeNull();
      expect(handed()[0]).not.toHaveProperty('id');
      expect(row.hashedPassword).toMatch(/^\$argon2id\$/);
      expect(user.isSuperuser).toBe(true);
    });

    it('keeps a __proto__ key out of the stored row and off Object.prototype', async () => {
      const { manager, stored } = await setup();
      const hostile = JSON.parse('{"email":"alice@example.com","password":"correct horse","__proto__":{"isSuperuser":true}}');
      const user = await manager.create(hostile);
      expect(user.isSuperuser).toBe(false);
      expect(({} as Record<string, unknown>).isSuperuser).toBeUndefined();
      const row = await stored(user.id);
      expect(row.isSuperuser).toBe(false);
      expect(Object.prototype.hasOwnProperty.call(row, '__proto__')).toBe(false);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(row))).toBe(Object.prototype);
    });

    it('calls onAfterRegister once, with the created user and the request', async () => {
      const { manager } = await setup();
      const request = { ip: '127.0.0.1' };
      const user = await manager.create(input(), { request });
      expect(manager.registered).toHaveBeenCalledTimes(1);
      expect(manager.registered).toHaveBeenCalledWith(user, request);
    });

    it('refuses an email that is taken, in any case, without calling the hook', async () => {
      const { manager, repository } = await setup();
      await manager.create(input());
      await expect(manager.create(input({ email: 'ALICE@example.com' }))).rejects.toThrow(UserAlreadyExistsError);
      expect(repository.size).toBe(1);
      expect(manager.registered).toHaveBeenCalledTimes(1);
    });

    it('surfaces a lost race in the store as UserAlreadyExistsError', async () => {
      const { manager, repository } = await setup();
      vi.spyOn(repository, 'getByEmail').mockResolvedValueOnce(null);
      await repository.create({ email: 'alice@example.com', hashedPassword: 'x' });
      await expect(manager.create(input())).rejects.toThrow(UserAlreadyExistsError);
      expect(manager.registered).not.toHaveBeenCalled();
    });
  });

  describe('password policy', () => {
    it('refuses 7 characters with a reason, and stores nothing', async () => {
      const { manager, repository } = await setup();
      const error = await manager.create(input({ password: '1234567' })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidPasswordError);
      expect((error as InvalidPasswordError).reason).toBe('Password should be at least 8 characters');
      expect(repository.size).toBe(0);
      expect(manager.registered).not.toHaveBeenCalled();
    });

    it.each([
      ['8 characters', '12345678'],
      ['8 spaces', ' '.repeat(8)],
      ['1024 characters', 'x'.repeat(1024)],
      ['8 emoji (16 UTF-16 units)', '😀'.repeat(8)],
    ])('accepts %s', async (_label, password) => {
      const { manager } = await setup();
      await expect(manager.create(input({ password }))).resolves.toMatchObject({ email: 'alice@example.com' });
    });

    it('counts code points, not UTF-16 units', async () => {
      const { manager } = await setup();
      expect('😀'.repeat(7).length).toBe(14);
      await expect(manager.create(input({ password: '😀'.repeat(7) }))).rejects.toThrow(InvalidPasswordError);
    });

    it('refuses 1025 characters with a reason', async () => {
      const { manager, repository } = await setup();
      const error = await manager.create(input({ password: 'x'.repeat(1025) })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidPasswordError);
      expect((error as InvalidPasswordError).reason).toBe('Password should be at most 1024 characters');
      expect(repository.size).toBe(0);
    });

    it('does not trim: "  pass phrase  " is the password, "pass phrase" is not', async () => {
      const { manager } = await setup();
      const user = await manager.create(input({ password: '  pass phrase  ' }));
      await expect(manager.authenticate({ username: 'alice@example.com', password: '  pass phrase  ' })).resolves.toMatchObject({
        id: user.id,
      });
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'pass phrase' })).resolves.toBeNull();
    });

    it('runs an overriding validatePassword that calls super', async () => {
      @Injectable()
      class StrictUserManager extends UserManager<TestUser, string> {
        override async validatePassword(password: string, user: UserCreateInput | TestUser) {
          await super.validatePassword(password, user);
          if (password.includes(user.email.split('@')[0]!))
            throw new InvalidPasswordError('Password should not contain the email');
        }
      }
      const { manager } = await setup({ manager: StrictUserManager });
      await expect(manager.create(input({ password: 'alice-is-great' }))).rejects.toMatchObject({
        reason: 'Password should not contain the email',
      });
      await expect(manager.create(input({ password: 'short' }))).rejects.toMatchObject({
        reason: 'Password should be at least 8 characters',
      });
      await expect(manager.create(input({ password: 'bob-is-great' }))).resolves.toBeDefined();
    });
  });

  describe('authenticate', () => {
    it('returns the user for the right password, null for a wrong one, for one password check each', async () => {
      const { manager, checks } = await setup();
      const user = await manager.create(input());
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horse' })).resolves.toEqual(user);
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horsE' })).resolves.toBeNull();
      expect(checks.verifyAndUpdate).toHaveBeenCalledTimes(2);
      expect(checks.verifyDummy).not.toHaveBeenCalled();
    });

    it('finds the user whatever the case of the email', async () => {
      const { manager } = await setup();
      const user = await manager.create(input());
      await expect(manager.authenticate({ username: 'Alice@Example.com', password: 'correct horse' })).resolves.toEqual(user);
    });

    it('spends a dummy verification on an unknown email', async () => {
      const { manager, checks } = await setup();
      await manager.create(input());
      await expect(manager.authenticate({ username: 'nobody@example.com', password: 'correct horse' })).resolves.toBeNull();
      expect(checks.verifyDummy).toHaveBeenCalledTimes(1);
      expect(checks.verifyDummy).toHaveBeenCalledWith('correct horse');
      expect(checks.verifyAndUpdate).not.toHaveBeenCalled();
    });

    it('does not update a current hash', async () => {
      const { manager, stored } = await setup();
      const user = await manager.create(input());
      const before = await stored(user.id);
      await manager.authenticate({ username: 'alice@example.com', password: 'correct horse' });
      // A rehash would store a new salt: the row is exactly as it was.
      expect(await stored(user.id)).toEqual(before);
    });
  });

  describe('with the default argon2 parameters', () => {
    it('stores $argon2id$v=19$m=19456,t=2,p=1$ hashes', async () => {
      const { manager, repository } = await setup({ defaultArgon2: true });
      const user = await manager.create(input());
      expect((await repository.get(user.id))!.hashedPassword).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('accepts a weaker argon2id hash (m=4096, t=1) and replaces it in the store on login', async () => {
      const { manager, repository, stored: storedRow } = await setup({ defaultArgon2: true });
      const weak = await hash('correct horse', { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 1, parallelism: 1 });
      const user = await repository.create({ email: 'alice@example.com', hashedPassword: weak });

      await expect(manager.authenticate({ username: 'alice@example.com', password: 'wrong horse' })).resolves.toBeNull();
      expect((await repository.get(user.id))!.hashedPassword).toBe(weak);

      const authenticated = await manager.authenticate({ username: 'alice@example.com', password: 'correct horse' });
      expect(authenticated?.id).toBe(user.id);
      const stored = (await repository.get(user.id))!.hashedPassword;
      expect(stored).not.toBe(weak);
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(authenticated?.hashedPassword).toBe(stored);

      // Once upgraded, the hash is current: the next login leaves it as it is (a rehash would store a new salt).
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horse' })).resolves.toMatchObject({
        id: user.id,
      });
      expect((await storedRow(user.id)).hashedPassword).toBe(stored);
    });

    it('does not let a rehash on login overwrite a password changed meanwhile', async () => {
      const { manager, repository } = await setup({ defaultArgon2: true });
      const weak = await hash('correct horse', { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 1, parallelism: 1 });
      const user = await repository.create({ email: 'alice@example.com', hashedPassword: weak });
      // The login reads the user, then a reset lands before the rehash is written.
      const getByEmail = repository.getByEmail.bind(repository);
      vi.spyOn(repository, 'getByEmail').mockImplementationOnce(async (email) => {
        const found = await getByEmail(email);
        await repository.update(user, { hashedPassword: 'reset-meanwhile' });
        return found;
      });
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horse' })).resolves.toMatchObject({
        id: user.id,
      });
      expect((await repository.get(user.id))!.hashedPassword).toBe('reset-meanwhile');
    });
  });

  describe('parseId / get / getByEmail', () => {
    it('accepts UUIDs (lower-cased) and refuses anything else', async () => {
      const { manager } = await setup();
      const id = randomUUID();
      expect(manager.parseId(id.toUpperCase())).toBe(id);
      for (const value of ['x', '', `${id}x`, ` ${id}`, id.replace(/-/g, ''), 42, null, undefined, { id }, [id]]) {
        expect(() => manager.parseId(value)).toThrow(InvalidIdError);
      }
    });

    it('throws UserNotExistsError for an unknown id or email', async () => {
      const { manager } = await setup();
      await expect(manager.get(randomUUID())).rejects.toThrow(UserNotExistsError);
      await expect(manager.getByEmail('nobody@example.com')).rejects.toThrow(UserNotExistsError);
      const user = await manager.create(input());
      await expect(manager.get(user.id)).resolves.toEqual(user);
      await expect(manager.getByEmail('ALICE@example.com')).resolves.toEqual(user);
    });
  });

  describe('update', () => {
    it('applies privileged fields from app code: update(user, { isActive: false }) bans', async () => {
      const { manager, repository } = await setup();
      const user = await manager.create(input());
      const banned = await manager.update(user, { isActive: false, isSuperuser: true });
      expect(banned).toMatchObject({ isActive: false, isSuperuser: true });
      expect(await repository.get(user.id)).toMatchObject({ isActive: false, isSuperuser: true });
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horse' })).resolves.toMatchObject({
        isActive: false,
      });
    });

    it('drops them with safe: true (the PATCH /users/me route), and never takes an id or hash', async () => {
      const { manager, repository } = await setup();
      const user = await manager.create(input());
      await manager.update(
        user,
        { isActive: false, isSuperuser: true, isVerified: true, securityStamp: 'chosen', nickname: 'al' },
        { safe: true },
      );
      expect(await repository.get(user.id)).toMatchObject({
        isActive: true,
        isSuperuser: false,
        isVerified: false,
        securityStamp: null,
        nickname: 'al',
      });
      await manager.update(user, { id: randomUUID(), hashedPassword: 'chosen' });
      expect((await repository.get(user.id))!.hashedPassword).toMatch(/^\$argon2id\$/);
    });

    it('asks for the current password before an email change with safe: true, and unverifies the new address', async () => {
      const { manager, repository, stored } = await setup();
      const user = await manager.create(input({ isVerified: true }));
      for (const currentPassword of [undefined, 'wrong horse']) {
        await expect(manager.update(user, { email: 'new@example.com', currentPassword }, { safe: true })).rejects.toThrow(
          InvalidPasswordError,
        );
      }
      // Checked before a taken address is refused: a stolen session cannot probe which addresses are taken.
      await manager.create(input({ email: 'taken@example.com' }));
      await expect(manager.update(user, { email: 'taken@example.com' }, { safe: true })).rejects.toThrow(InvalidPasswordError);
      expect(await stored(user.id)).toMatchObject({ email: 'alice@example.com', isVerified: true });

      const moved = await manager.update(user, { email: 'new@example.com', currentPassword: 'correct horse' }, { safe: true });
      expect(moved).toMatchObject({ email: 'new@example.com', isVerified: false });
      expect(await repository.get(user.id)).toMatchObject({ email: 'new@example.com', isVerified: false });
      // Resending the address it already has is no change: no password needed.
      await expect(manager.update(moved, { email: 'new@example.com', nickname: 'al' }, { safe: true })).resolves.toMatchObject({
        nickname: 'al',
      });
    });

    it('lets requireCurrentPassword: false and app code change the email without the password', async () => {
      const { manager } = await setup();
      const user = await manager.create(input());
      await expect(manager.update(user, { email: 'app@example.com' })).resolves.toMatchObject({
        email: 'app@example.com',
        isVerified: false,
      });
      const relaxed = await setup({ options: { requireCurrentPassword: false } });
      const other = await relaxed.manager.create(input());
      await expect(relaxed.manager.update(other, { email: 'self@example.com' }, { safe: true })).resolves.toMatchObject({
        email: 'self@example.com',
      });
    });
  });

  describe('pending reset and verification tokens', () => {
    const mailing = () => setup({ manager: MailingUserManager });

    it('end when the email changes: they were mailed to the old address', async () => {
      const { manager } = await mailing();
      const mailer = manager as unknown as MailingUserManager;
      const user = await manager.create(input());
      await manager.forgotPassword('alice@example.com');
      await manager.requestVerify(user);
      const moved = await manager.update(user, { email: 'moved@example.com' });
      await expect(manager.resetPassword(mailer.mailed.reset!, 'a new password')).rejects.toThrow(InvalidResetPasswordTokenError);
      await expect(manager.verify(mailer.mailed.verify!)).rejects.toThrow(InvalidVerifyTokenError);
      // Moving back does not revive the verification token's user lookup by a stale stamp… but the reset token's
      // fingerprint matches again only if everything matches: prove fresh tokens work.
      await manager.forgotPassword('moved@example.com');
      await expect(manager.resetPassword(mailer.mailed.reset!, 'a new password')).resolves.toMatchObject({ id: moved.id });
    });

    it('end at logoutEverywhere, which renews the security stamp', async () => {
      const { manager, repository } = await mailing();
      const mailer = manager as unknown as MailingUserManager;
      const user = await manager.create(input());
      await manager.forgotPassword('alice@example.com');
      await manager.requestVerify(user);
      const before = (await repository.get(user.id))!.securityStamp;
      await manager.logoutEverywhere(user);
      expect((await repository.get(user.id))!.securityStamp).toEqual(expect.any(String));
      expect((await repository.get(user.id))!.securityStamp).not.toBe(before);
      await expect(manager.resetPassword(mailer.mailed.reset!, 'a new password')).rejects.toThrow(InvalidResetPasswordTokenError);
      await expect(manager.verify(mailer.mailed.verify!)).rejects.toThrow(InvalidVerifyTokenError);
      await manager.requestVerify((await repository.get(user.id))!);
      await expect(manager.verify(mailer.mailed.verify!)).resolves.toMatchObject({ isVerified: true });
    });

    it('stay valid until expiry on a user model without securityStamp, with one warning, and nothing breaks', async () => {
      const { manager, repository, stored } = await mailing();
      const mailer = manager as unknown as MailingUserManager;
      const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const user = await manager.create(input());
        // What a model without the field looks like: the property is absent.
        const legacy = { ...user } as TestUser;
        delete legacy.securityStamp;
        const asLegacy = vi.spyOn(repository, 'get').mockImplementation(async () => legacy);
        await manager.forgotPassword('alice@example.com');
        await manager.logoutEverywhere(legacy);
        await manager.logoutEverywhere(legacy);
        asLegacy.mockRestore();
        // No stamp written (a real table without the column would fail the write).
        expect((await stored(user.id)).securityStamp).toBeNull();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0]![0])).toMatch(/securityStamp/);
        await expect(manager.resetPassword(mailer.mailed.reset!, 'a new password')).resolves.toBeDefined();
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('after-hooks that throw', () => {
    it('are logged by name (never their message) and change no answer; onBeforeDelete still aborts', async () => {
      const { manager, repository } = await setup({ manager: ThrowingHooksUserManager });
      const mailer = manager as unknown as ThrowingHooksUserManager;
      const error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        const user = await manager.create(input());
        expect(repository.size).toBe(1);
        const renamed = await manager.update(user, { nickname: 'al' });
        expect(renamed.nickname).toBe('al');
        await manager.requestVerify(renamed);
        await expect(manager.verify(mailer.mailed.verify!)).resolves.toMatchObject({ isVerified: true });
        await manager.forgotPassword('alice@example.com');
        await expect(manager.resetPassword(mailer.mailed.reset!, 'a new password')).resolves.toBeDefined();
        await manager.afterWrite('onAfterLogin', () => manager.onAfterLogin(user));
        await expect(manager.delete(user)).resolves.toBeUndefined();
        expect(repository.size).toBe(0);

        const logged = error.mock.calls.map(([message]) => String(message));
        for (const hook of [
          'onAfterRegister',
          'onAfterUpdate',
          'onAfterVerify',
          'onAfterResetPassword',
          'onAfterLogin',
          'onAfterDelete',
        ]) {
          expect(
            logged.some((line) => line.includes(hook) && line.includes('TypeError')),
            hook,
          ).toBe(true);
        }
        expect(logged.join('\n')).not.toContain('secret-in-message');
      } finally {
        error.mockRestore();
      }

      const aborting = await setup();
      const kept = await aborting.manager.create(input());
      aborting.manager.onBeforeDelete = () => Promise.reject(new Error('not this one'));
      await expect(aborting.manager.delete(kept)).rejects.toThrow('not this one');
      expect(aborting.repository.size).toBe(1);
    });
  });

  describe('lookups go through the overridable get and getByEmail', () => {
    it('login, register, forgot-password, verify, reset and update call the override', async () => {
      const { manager } = await setup({ manager: LookupUserManager });
      const app = manager as unknown as LookupUserManager;
      const user = await manager.create(input());
      expect(app.lookups).toEqual(['getByEmail:alice@example.com']);
      // The override maps an alias onto alice: every path that looks up by email must see it.
      await expect(manager.create(input({ email: 'alias@example.com' }))).rejects.toThrow(UserAlreadyExistsError);
      await expect(manager.authenticate({ username: 'alias@example.com', password: 'correct horse' })).resolves.toMatchObject({
        id: user.id,
      });
      await manager.forgotPassword('alias@example.com');
      expect(app.mailed.reset).toBeDefined();
      const bob = await manager.create(input({ email: 'bob@example.com' }));
      await expect(manager.update(bob, { email: 'alias@example.com' })).rejects.toThrow(UserAlreadyExistsError);
      await manager.requestVerify(await manager.get(user.id));
      app.lookups.length = 0;
      await manager.verify(app.mailed.verify!);
      expect(app.lookups).toEqual(['getByEmail:alice@example.com']);
      await manager.forgotPassword('alias@example.com');
      app.lookups.length = 0;
      await manager.resetPassword(app.mailed.reset!, 'a new password');
      expect(app.lookups).toEqual([`get:${user.id}`]);
    });
  });
});
