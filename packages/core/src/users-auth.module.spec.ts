import { InMemoryTokenStore, InMemoryUserRepository } from '@nest-users/testing';
import { Injectable, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationBackend } from './backend/authentication-backend.js';
import { JwtAuthentication } from './backend/jwt-authentication.js';
import { UserRepository } from './db/user-repository.interface.js';
import { Authenticated } from './decorators/authenticated.decorator.js';
import { JwtStrategy } from './strategy/jwt.strategy.js';
import { StoredTokenStrategy } from './strategy/stored-token.strategy.js';
import { BearerTransport } from './transport/bearer.transport.js';
import { DuplicateBackendNameError, UsersAuthConfigurationError } from './errors/configuration.errors.js';
import type { UserProtocol } from './interfaces/user.interface.js';
import { UserManager } from './manager/user-manager.js';
import { UsersAuthModule } from './users-auth.module.js';
import { assertUniqueNames, getBackendToken, validateBackends } from './users-auth.providers.js';

type TestUser = UserProtocol<string>;

@Module({ providers: [{ provide: UserRepository, useClass: InMemoryUserRepository }], exports: [UserRepository] })
class RepositoryModule {}

/** Stands in for ConfigService: a secret that only exists once the app starts. */
@Injectable()
class SecretsService {
  readonly jwt = randomBytes(32);
  readonly mobile = randomBytes(32);
}

@Module({ providers: [SecretsService], exports: [SecretsService] })
class SecretsModule {}

const jwt = (name?: string) => new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 60, name });

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Compiles a testing module around `module` (nestjs/jwt style), closing it after the test. */
async function setup(module: ReturnType<typeof UsersAuthModule.forRoot>) {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  closers.push(() => ref.close());
  return ref;
}

/** Waits for the module to fail at startup and returns the error. */
async function startupError(module: ReturnType<typeof UsersAuthModule.forRoot>): Promise<Error> {
  const error = await setup(module).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('UsersAuthModule', () => {
  describe('forRoot', () => {
    it('provides every backend, by name and in declaration order', async () => {
      const backends = [jwt('jwt'), jwt('mobile')];
      const ref = await setup(UsersAuthModule.forRoot({ backends, imports: [RepositoryModule] }));
      expect(ref.get(getBackendToken('jwt'))).toBe(backends[0]);
      expect(ref.get(getBackendToken('mobile'))).toBe(backends[1]);
      expect(ref.get(UserManager)).toBeInstanceOf(UserManager);
    });

    it('refuses two backends with the same name, naming it', () => {
      const build = () =>
        UsersAuthModule.forRoot({ backends: [jwt('mobile'), jwt('jwt'), jwt('mobile')], imports: [RepositoryModule] });
      expect(build).toThrow(DuplicateBackendNameError);
      expect(build).toThrow(/"mobile"/);
      try {
        build();
      } catch (error) {
        expect((error as DuplicateBackendNameError).backendName).toBe('mobile');
      }
    });

    it('refuses two JwtAuthentication backends left on the default name', () => {
      expect(() => UsersAuthModule.forRoot({ backends: [jwt(), jwt()] })).toThrow(/"jwt"/);
    });

    it('fails at startup without any backend', async () => {
      const error = await startupError(UsersAuthModule.forRoot({ backends: [], imports: [RepositoryModule] }));
      expect(error).toBeInstanceOf(UsersAuthConfigurationError);
      expect(error.message).toMatch(/at least one backend/);
    });

    it('uses the given UserManager subclass wherever UserManager is injected', async () => {
      @Injectable()
      class AppUserManager extends UserManager<TestUser, string> {}
      const ref = await setup(
        UsersAuthModule.forRoot({ backends: [jwt()], imports: [RepositoryModule], userManager: AppUserManager }),
      );
      expect(ref.get(UserManager)).toBeInstanceOf(AppUserManager);
      expect(ref.get(UserManager)).toBe(ref.get(AppUserManager));
    });
  });

  describe('forRootAsync', () => {
    it('resolves the options once, into one object every part reads: factory options and static settings together', async () => {
      const factory = vi.fn(() => ({ backends: [jwt('jwt')], requireCurrentPassword: false, requiresVerification: true }));
      @Injectable()
      class AppUserManager extends UserManager<TestUser, string> {
        seen() {
          return this.options;
        }
      }
      const ref = await setup(
        UsersAuthModule.forRootAsync({
          backendNames: ['jwt'],
          imports: [RepositoryModule],
          useFactory: factory,
          userManager: AppUserManager,
          routes: { usersPath: 'accounts' },
          globalGuard: { verified: false, override: true },
        }),
      );
      const options = ref.get(AppUserManager).seen();
      expect(factory).toHaveBeenCalledTimes(1);
      expect(options).toMatchObject({
        requireCurrentPassword: false,
        backendNames: ['jwt'],
        globalGuard: true,
        routes: { usersPath: 'accounts', authPath: 'auth' },
        requirementDefaults: { backendNames: ['jwt'], requiresVerification: true, global: { verified: false, override: true } },
      });
      expect(Object.isFrozen(options)).toBe(true);
      // The backend the module provides by name is the one in those options, not a copy built from a second resolve.
      expect(ref.get(getBackendToken('jwt'))).toBe(options.backends[0]);
    });

    it('builds backends from injected, asynchronous configuration', async () => {
      const ref = await setup(
        UsersAuthModule.forRootAsync({
          backendNames: ['jwt', 'mobile'],
          imports: [RepositoryModule, SecretsModule],
          inject: [SecretsService],
          useFactory: async (secrets: SecretsService) => ({
            backends: [
              new JwtAuthentication({ secret: secrets.jwt, lifetimeSeconds: 60 }),
              new JwtAuthentication({ secret: secrets.mobile, lifetimeSeconds: 60, name: 'mobile' }),
            ],
          }),
        }),
      );
      const secrets = ref.get(SecretsService);
      const backend = ref.get<JwtAuthentication>(getBackendToken('mobile'));
      expect(backend.name).toBe('mobile');
      expect(backend.strategy.key.export().equals(secrets.mobile)).toBe(true);
      expect(ref.get<JwtAuthentication>(getBackendToken('jwt')).strategy.key.export().equals(secrets.jwt)).toBe(true);
    });

    it.each([
      ['missing', undefined],
      ['empty', []],
    ])('refuses backendNames %s, at once', (_label, backendNames) => {
      const build = () =>
        UsersAuthModule.forRootAsync({
          backendNames: backendNames as string[],
          imports: [RepositoryModule],
          useFactory: () => ({ backends: [jwt()] }),
        });
      expect(build).toThrow(UsersAuthConfigurationError);
      expect(build).toThrow(/backendNames/);
    });

    it('refuses duplicate backendNames, at once', () => {
      const build = () =>
        UsersAuthModule.forRootAsync({ backendNames: ['jwt', 'jwt'], useFactory: () => ({ backends: [jwt(), jwt()] }) });
      expect(build).toThrow(DuplicateBackendNameError);
    });

    it('fails at startup when the factory returns other names, naming both lists', async () => {
      const error = await startupError(
        UsersAuthModule.forRootAsync({
          backendNames: ['jwt', 'mobile'],
          imports: [RepositoryModule],
          useFactory: () => ({ backends: [jwt('jwt'), jwt('tablet')] }),
        }),
      );
      expect(error).toBeInstanceOf(UsersAuthConfigurationError);
      expect(error.message).toContain('[jwt, tablet]');
      expect(error.message).toContain('[jwt, mobile]');
    });

    it('fails at startup when the factory returns the same names in another order', async () => {
      const error = await startupError(
        UsersAuthModule.forRootAsync({
          backendNames: ['jwt', 'mobile'],
          imports: [RepositoryModule],
          useFactory: () => ({ backends: [jwt('mobile'), jwt('jwt')] }),
        }),
      );
      expect(error.message).toContain('[mobile, jwt]');
    });

    it('fails at startup when the factory returns one backend fewer', async () => {
      const error = await startupError(
        UsersAuthModule.forRootAsync({
          backendNames: ['jwt', 'mobile'],
          imports: [RepositoryModule],
          useFactory: () => ({ backends: [jwt('jwt')] }),
        }),
      );
      expect(error.message).toContain('[jwt]');
    });

    it('fails at startup when the factory returns duplicate names', async () => {
      const error = await startupError(
        UsersAuthModule.forRootAsync({
          backendNames: ['jwt', 'mobile'],
          imports: [RepositoryModule],
          useFactory: () => ({ backends: [jwt('jwt'), jwt('jwt')] }),
        }),
      );
      expect(error).toBeInstanceOf(DuplicateBackendNameError);
    });

    it('fails at startup when the factory throws a configuration error (e.g. a short secret)', async () => {
      const error = await startupError(
        UsersAuthModule.forRootAsync({
          backendNames: ['jwt'],
          imports: [RepositoryModule],
          useFactory: () => ({ backends: [new JwtAuthentication({ secret: 'too-short', lifetimeSeconds: 60 })] }),
        }),
      );
      expect(error).toBeInstanceOf(UsersAuthConfigurationError);
      expect(error.message).toMatch(/Backend "jwt"/);
    });
  });
});

describe('assertUniqueNames / validateBackends', () => {
  it('accepts distinct names and rejects the first repeated one', () => {
    expect(() => assertUniqueNames(['jwt', 'mobile', 'cookie'])).not.toThrow();
    expect(() => assertUniqueNames(['a', 'b', 'b', 'a'])).toThrow(/"b"/);
  });

  it('returns the backends when the names match', () => {
    const backends = [jwt('jwt'), jwt('mobile')];
    expect(validateBackends({ backends }, ['jwt', 'mobile'])).toBe(backends);
  });

  it.each([
    ['undefined options', undefined],
    ['no backends', {}],
    ['backends not an array', { backends: jwt() }],
  ])('rejects %s', (_label, options) => {
    expect(() => validateBackends(options as never, ['jwt'])).toThrow(UsersAuthConfigurationError);
  });

  it('does not confuse names that only differ by how they join', () => {
    expect(() => validateBackends({ backends: [jwt('a'), jwt('b')] }, ['a', 'b'])).not.toThrow();
    expect(() => validateBackends({ backends: [jwt('ab')] }, ['a', 'b'])).toThrow(UsersAuthConfigurationError);
  });
});

describe('options are validated', () => {
  const mistake = (build: () => unknown) => {
    try {
      build();
    } catch (error) {
      expect(error).toBeInstanceOf(UsersAuthConfigurationError);
      return (error as Error).message;
    }
    throw new Error('expected a UsersAuthConfigurationError');
  };

  it('refuses unknown @Authenticated() keys when the class is defined, suggesting the right one', () => {
    expect(mistake(() => Authenticated({ superUser: true } as never))).toMatch(
      /unknown option "superUser" \(did you mean "superuser"\?\)/,
    );
    expect(mistake(() => Authenticated({ verfied: true } as never))).toMatch(/"verfied" \(did you mean "verified"\?\)/);
    expect(mistake(() => Authenticated({ roles: ['admin'] } as never))).toMatch(
      /unknown option "roles"\. Known options: active, verified/,
    );
  });

  it('refuses wrong types in @Authenticated()', () => {
    expect(mistake(() => Authenticated({ superuser: 'true' } as never))).toMatch(/"superuser" must be true or false, got "true"/);
    expect(mistake(() => Authenticated({ backends: 'jwt' } as never))).toMatch(/"backends" must be a non-empty list/);
    expect(mistake(() => Authenticated({ backends: [] }))).toMatch(/"backends" must be a non-empty list/);
    expect(mistake(() => Authenticated(null as never))).toMatch(/expected an options object/);
  });

  it('refuses unknown and mistyped forRoot options, the extras and globalGuard included', () => {
    const forRoot = (extra: object) => () =>
      UsersAuthModule.forRoot({ backends: [jwt()], imports: [RepositoryModule], ...extra } as never);
    expect(mistake(forRoot({ globalGaurd: true }))).toMatch(
      /forRoot\(\): unknown option "globalGaurd" \(did you mean "globalGuard"\?\)/,
    );
    expect(mistake(forRoot({ requiresVerfication: true }))).toMatch(/did you mean "requiresVerification"/);
    expect(mistake(forRoot({ requiresVerification: 'yes' }))).toMatch(
      /forRoot\(\)\.requiresVerification must be true or false, got string/,
    );
    expect(mistake(forRoot({ globalGuard: { superUser: true } }))).toMatch(
      /globalGuard: unknown option "superUser" \(did you mean "superuser"\?\)/,
    );
    expect(mistake(forRoot({ globalGuard: 'yes' }))).toMatch(/globalGuard.*expected an options object/);
    expect(mistake(forRoot({ globalGuard: { backends: ['mobile'] } }))).toMatch(
      /backend "mobile" does not exist; this module has \[jwt\]/,
    );
    expect(mistake(forRoot({ routes: { usersPth: 'people' } }))).toMatch(
      /routes: unknown option "usersPth" \(did you mean "usersPath"\?\)/,
    );
    expect(mistake(forRoot({ dto: { reed: class {} } }))).toMatch(/dto: unknown option "reed" \(did you mean "read"\?\)/);
  });

  it('refuses unknown forRootAsync options at once, and unknown factory options at startup', async () => {
    const base = { backendNames: ['jwt'], imports: [RepositoryModule] };
    expect(
      mistake(() =>
        UsersAuthModule.forRootAsync({ ...base, globalGaurd: true, useFactory: () => ({ backends: [jwt()] }) } as never),
      ),
    ).toMatch(/forRootAsync\(\): unknown option "globalGaurd" \(did you mean "globalGuard"\?\)/);
    const typo = await startupError(
      UsersAuthModule.forRootAsync({ ...base, useFactory: () => ({ backends: [jwt()], requireCurrentPasword: false }) as never }),
    );
    expect(typo).toBeInstanceOf(UsersAuthConfigurationError);
    expect(typo.message).toMatch(/unknown option "requireCurrentPasword" \(did you mean "requireCurrentPassword"\?\)/);
    const misplaced = await startupError(
      UsersAuthModule.forRootAsync({ ...base, useFactory: () => ({ backends: [jwt()], globalGuard: true }) as never }),
    );
    expect(misplaced.message).toMatch(
      /"globalGuard" shapes routes and guards, so it goes to forRootAsync\(\{ globalGuard \}\) itself/,
    );
  });
});

describe('token lifetimes', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('warn at startup above 24 h (access) and 90 days (refresh), and not at those limits', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = new InMemoryTokenStore();
    const backends = [
      new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 24 * 3600 + 1, name: 'long' }),
      new AuthenticationBackend({
        name: 'refreshing',
        transport: new BearerTransport(),
        strategy: new StoredTokenStrategy(store, { lifetimeSeconds: 25 * 3600 }),
        refresh: { store, lifetimeSeconds: 91 * 24 * 3600 },
      }),
      new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 24 * 3600, name: 'day' }),
      new AuthenticationBackend({
        name: 'quarter',
        transport: new BearerTransport(),
        strategy: new JwtStrategy({ secret: randomBytes(32), lifetimeSeconds: 600 }),
        refresh: { store, lifetimeSeconds: 90 * 24 * 3600 },
      }),
    ];
    const ref = await setup(UsersAuthModule.forRoot({ backends, imports: [RepositoryModule] }));
    await ref.init();
    const messages = warn.mock.calls.map(([message]) => String(message));
    expect(messages).toEqual([
      expect.stringMatching(/^Backend "long": access tokens live 86401 s, more than 24 h/),
      expect.stringMatching(/^Backend "refreshing": access tokens live 90000 s/),
      expect.stringMatching(/^Backend "refreshing": refresh tokens live 7862400 s, more than 90 days/),
    ]);
  });
});
