import { InMemoryUserRepository } from '@nest-users/testing';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { hash, type Options } from '@node-rs/argon2';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import {
  InvalidIdError,
  InvalidPasswordError,
  UserAlreadyExistsError,
  UserNotExistsError,
} from '../errors/user.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthModuleOptions } from '../interfaces/users-auth-module-options.interface.js';
import { AUTH_BACKENDS, MANAGED_USER_REPOSITORY } from '../users-auth.constants.js';
import { MODULE_OPTIONS_TOKEN } from '../users-auth.module-definition.js';
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

/** A manager wired the way the module wires it (property injection), on a Map repository. */
async function setup(options: { defaultArgon2?: boolean; manager?: typeof UserManager<TestUser, string> } = {}) {
  const repository = new InMemoryUserRepository<TestUser>();
  const passwordHelper = new Argon2PasswordHelper(options.defaultArgon2 ? {} : { memoryCost: 1024, timeCost: 1 });
  const managerClass = options.manager ?? HookedUserManager;
  const moduleOptions: UsersAuthModuleOptions = {
    backends: [new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 60 })],
  };
  const moduleRef = await Test.createTestingModule({
    providers: [
      managerClass,
      { provide: MANAGED_USER_REPOSITORY, useValue: repository },
      { provide: PasswordHelper, useValue: passwordHelper },
      { provide: MODULE_OPTIONS_TOKEN, useValue: moduleOptions },
      { provide: UserTokens, useFactory: () => new UserTokens(moduleOptions) },
      { provide: AUTH_BACKENDS, useValue: moduleOptions.backends },
    ],
  }).compile();
  const manager = moduleRef.get<UserManager<TestUser, string>>(managerClass);
  const spies = {
    create: vi.spyOn(repository, 'create'),
    update: vi.spyOn(repository, 'update'),
    updateIf: vi.spyOn(repository, 'updateIf'),
    verifyDummy: vi.spyOn(passwordHelper, 'verifyDummy'),
    verifyAndUpdate: vi.spyOn(passwordHelper, 'verifyAndUpdate'),
  };
  /** Every write to existing users, whichever method made it. */
  const writes = () => spies.update.mock.calls.length + spies.updateIf.mock.calls.length;
  return { manager: manager as HookedUserManager, repository, passwordHelper, spies, writes };
}

const input = (fields: Partial<UserCreateInput> = {}): UserCreateInput => ({
  email: 'alice@example.com',
  password: 'correct horse',
  ...fields,
});

describe('UserManager', () => {
  describe('create', () => {
    it('drops id, isActive, isSuperuser, isVerified and hashedPassword in safe mode (the default)', async () => {
      const { manager, spies } = await setup();
      const user = await manager.create(
        input({
          id: '00000000-0000-4000-8000-000000000000',
          isActive: false,
          isSuperuser: true,
          isVerified: true,
          hashedPassword: '$argon2id$v=19$m=1,t=1,p=1$attacker$chosen',
          nickname: 'ally',
        }),
      );

      const data = spies.create.mock.calls[0]![0];
      expect(Object.keys(data).sort()).toEqual(['email', 'hashedPassword', 'nickname']);
      expect(data.hashedPassword).toMatch(/^\$argon2id\$/);
      expect(data.hashedPassword).not.toContain('attacker');
      expect(user).toMatchObject({ email: 'alice@example.com', nickname: 'ally', isActive: true, isSuperuser: false, isVerified: false });
      expect(user.id).not.toBe('00000000-0000-4000-8000-000000000000');
    });

    it('drops the same fields with safe: true explicitly', async () => {
      const { manager, spies } = await setup();
      await manager.create(input({ isSuperuser: true }), { safe: true });
      expect(spies.create.mock.calls[0]![0]).not.toHaveProperty('isSuperuser');
    });

    it('keeps status fields with safe: false, but never a client id or hash', async () => {
      const { manager, spies } = await setup();
      const user = await manager.create(
        input({ id: 'chosen', hashedPassword: 'chosen', isSuperuser: true, isVerified: true, isActive: false }),
        { safe: false },
      );
      const data = spies.create.mock.calls[0]![0];
      expect(data).toMatchObject({ isSuperuser: true, isVerified: true, isActive: false });
      expect(data).not.toHaveProperty('id');
      expect(data.hashedPassword).toMatch(/^\$argon2id\$/);
      expect(user.isSuperuser).toBe(true);
    });

    it('does not pass a __proto__ key through to the repository', async () => {
      const { manager, spies } = await setup();
      const hostile = JSON.parse('{"email":"alice@example.com","password":"correct horse","__proto__":{"isSuperuser":true}}');
      const user = await manager.create(hostile);
      expect(user.isSuperuser).toBe(false);
      expect(({} as Record<string, unknown>).isSuperuser).toBeUndefined();
      expect(Object.keys(spies.create.mock.calls[0]![0]).sort()).toEqual(['email', 'hashedPassword']);
    });

    it('calls onAfterRegister once, with the created user and the request', async () => {
      const { manager } = await setup();
      const request = { ip: '127.0.0.1' };
      const user = await manager.create(input(), { request });
      expect(manager.registered).toHaveBeenCalledTimes(1);
      expect(manager.registered).toHaveBeenCalledWith(user, request);
    });

    it('refuses an email that is taken, in any case, without calling the hook', async () => {
      const { manager, spies } = await setup();
      await manager.create(input());
      await expect(manager.create(input({ email: 'ALICE@example.com' }))).rejects.toThrow(UserAlreadyExistsError);
      expect(spies.create).toHaveBeenCalledTimes(1);
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
      const { manager, spies } = await setup();
      const error = await manager.create(input({ password: '1234567' })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidPasswordError);
      expect((error as InvalidPasswordError).reason).toBe('Password should be at least 8 characters');
      expect(spies.create).not.toHaveBeenCalled();
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
      const { manager, spies } = await setup();
      const error = await manager.create(input({ password: 'x'.repeat(1025) })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidPasswordError);
      expect((error as InvalidPasswordError).reason).toBe('Password should be at most 1024 characters');
      expect(spies.create).not.toHaveBeenCalled();
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
          if (password.includes(user.email.split('@')[0]!)) throw new InvalidPasswordError('Password should not contain the email');
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
    it('returns the user for the right password, null for a wrong one, with no dummy work', async () => {
      const { manager, spies } = await setup();
      const user = await manager.create(input());
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horse' })).resolves.toEqual(user);
      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horsE' })).resolves.toBeNull();
      expect(spies.verifyAndUpdate).toHaveBeenCalledTimes(2);
      expect(spies.verifyDummy).not.toHaveBeenCalled();
    });

    it('finds the user whatever the case of the email', async () => {
      const { manager } = await setup();
      const user = await manager.create(input());
      await expect(manager.authenticate({ username: 'Alice@Example.com', password: 'correct horse' })).resolves.toEqual(user);
    });

    it('spends a dummy verification on an unknown email', async () => {
      const { manager, spies } = await setup();
      await manager.create(input());
      await expect(manager.authenticate({ username: 'nobody@example.com', password: 'correct horse' })).resolves.toBeNull();
      expect(spies.verifyDummy).toHaveBeenCalledTimes(1);
      expect(spies.verifyDummy).toHaveBeenCalledWith('correct horse');
      expect(spies.verifyAndUpdate).not.toHaveBeenCalled();
    });

    it('does not update a current hash', async () => {
      const { manager, writes } = await setup();
      await manager.create(input());
      await manager.authenticate({ username: 'alice@example.com', password: 'correct horse' });
      expect(writes()).toBe(0);
    });
  });

  describe('with the default argon2 parameters', () => {
    it('stores $argon2id$v=19$m=19456,t=2,p=1$ hashes', async () => {
      const { manager, repository } = await setup({ defaultArgon2: true });
      const user = await manager.create(input());
      expect((await repository.get(user.id))!.hashedPassword).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('accepts a weaker argon2id hash (m=4096, t=1) and replaces it in the store on login', async () => {
      const { manager, repository, writes } = await setup({ defaultArgon2: true });
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
      expect(writes()).toBe(1);

      await expect(manager.authenticate({ username: 'alice@example.com', password: 'correct horse' })).resolves.toMatchObject({
        id: user.id,
      });
      expect(writes()).toBe(1);
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
});
