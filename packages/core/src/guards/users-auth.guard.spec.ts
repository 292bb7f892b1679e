import { InMemoryUserRepository } from '@nest-users/testing';
import { Controller, Get, Module, Req, UseGuards, type DynamicModule, type INestApplication } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { createHmac, randomBytes } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationBackend } from '../backend/authentication-backend.js';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import { UserRepository } from '../db/user-repository.interface.js';
import { Authenticated } from '../decorators/authenticated.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { JwtStrategy } from '../strategy/jwt.strategy.js';
import { BearerTransport } from '../transport/bearer.transport.js';
import type { TokenCarrier } from '../transport/transport.interface.js';
import { UsersAuthModule } from '../users-auth.module.js';

type TestUser = UserProtocol<string>;

/** The shared in-memory repository, plus a switch to take it down and a shortcut to store a ready user. */
class TestUserRepository extends InMemoryUserRepository<TestUser> {
  /** Set to make every read fail like a database that is down. */
  down = false;
  override async get(id: string) {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return super.get(id);
  }
  /** Stores an active, verified, non-superuser user with a placeholder hash, then applies `fields`. */
  async add(email: string, fields: Partial<Omit<TestUser, 'id'>> = {}): Promise<TestUser> {
    return this.create({ email, hashedPassword: 'not-a-hash', isActive: true, isSuperuser: false, isVerified: true, ...fields });
  }
}

/** A second transport, to tell backends apart when both carry a token: `X-Token: <token>`. */
class XTokenTransport extends BearerTransport {
  override extractToken(request: TokenCarrier): string | undefined {
    const value = request.headers['x-token'];
    return typeof value === 'string' && value ? value : undefined;
  }
}

const who = (user: TestUser | null) => ({ email: user?.email ?? null });

@Controller('routes')
class RoutesController {
  @Get('default')
  @Authenticated()
  default(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('jwt-only')
  @Authenticated({ backends: ['jwt'] })
  jwtOnly(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('xtoken-only')
  @Authenticated({ backends: ['xtoken'] })
  xtokenOnly(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('xtoken-then-jwt')
  @Authenticated({ backends: ['xtoken', 'jwt'] })
  xtokenThenJwt(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('verified')
  @Authenticated({ verified: true })
  verified(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('superuser')
  @Authenticated({ superuser: true })
  superuser(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('inactive-allowed')
  @Authenticated({ active: false, override: true })
  inactiveAllowed(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('open')
  open(@Req() request: { user?: TestUser }) {
    return who(request.user ?? null);
  }
}

/** Without the global guard: under it, `optional: true` alone would be a relaxation (refused at startup). */
@Controller('routes')
class OptionalController {
  @Get('optional')
  @Authenticated({ optional: true })
  optional(@CurrentUser() user: TestUser | null) {
    return who(user);
  }
}

@Controller('class')
@Authenticated()
class ProtectedClassController {
  @Get('protected')
  protected(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('public')
  @Public()
  public() {
    return { open: true };
  }

  @Get('superuser')
  @Authenticated({ superuser: true })
  superuser(@CurrentUser() user: TestUser) {
    return who(user);
  }
}

@Controller('passport')
class PassportController {
  @Get('jwt')
  @UseGuards(AuthGuard('users-auth:jwt'))
  jwt(@Req() req: { user: TestUser }) {
    return who(req.user);
  }
}

@Controller('plain')
class PlainController {
  @Get()
  plain(@CurrentUser() user: TestUser) {
    return who(user);
  }

  @Get('public')
  @Public()
  public(@Req() request: { user?: TestUser }) {
    return who(request.user ?? null);
  }

  @Get('optional')
  @Authenticated({ optional: true, override: true })
  optional(@CurrentUser() user: TestUser | null) {
    return who(user);
  }
}

@Module({})
class RepositoryModule {
  static with(repository: TestUserRepository): DynamicModule {
    return {
      module: RepositoryModule,
      providers: [{ provide: UserRepository, useValue: repository }],
      exports: [UserRepository],
    };
  }
}

const now = () => Math.floor(Date.now() / 1000);
const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An Express app with backends `jwt`, `mobile` (both bearer) and `xtoken` (X-Token header), each its own secret. */
async function setup(options: { globalGuard?: boolean; controllers?: Array<new () => unknown> } = {}) {
  const secrets = { jwt: randomBytes(32), mobile: randomBytes(32), xtoken: randomBytes(32) };
  const backends = {
    jwt: new JwtAuthentication<TestUser>({ secret: secrets.jwt, lifetimeSeconds: 3600 }),
    mobile: new JwtAuthentication<TestUser>({ secret: secrets.mobile, lifetimeSeconds: 3600, name: 'mobile' }),
    xtoken: new AuthenticationBackend<TestUser>({
      name: 'xtoken',
      transport: new XTokenTransport(),
      strategy: new JwtStrategy<TestUser>({ secret: secrets.xtoken, lifetimeSeconds: 3600 }),
    }),
  };
  const repository = new TestUserRepository();
  const users = {
    alice: await repository.add('alice@example.com'),
    bob: await repository.add('bob@example.com'),
    unverified: await repository.add('unverified@example.com', { isVerified: false }),
    root: await repository.add('root@example.com', { isSuperuser: true }),
    inactive: await repository.add('inactive@example.com', { isActive: false }),
  };
  const moduleRef = await Test.createTestingModule({
    imports: [
      UsersAuthModule.forRoot({
        backends: [backends.jwt, backends.mobile, backends.xtoken],
        imports: [RepositoryModule.with(repository)],
        globalGuard: options.globalGuard,
      }),
    ],
    controllers: options.controllers ?? [RoutesController, OptionalController, ProtectedClassController, PassportController],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  await app.init();

  const token = (backend: keyof typeof backends, user: TestUser) => backends[backend].strategy.writeToken(user);
  /** The claims the `jwt` backend writes for `user` (its `pfp` included). */
  const claimsOf = async (user: TestUser) =>
    jsonwebtoken.decode(await backends.jwt.strategy.writeToken(user)) as jsonwebtoken.JwtPayload;
  /** A token for `user` signed with the `jwt` backend's secret: its real claims, overridden as given. */
  const forge = async (user: TestUser, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
    const input = `${b64json({ alg: 'HS256', typ: 'JWT', ...header })}.${b64json({ ...(await claimsOf(user)), ...claims })}`;
    return `${input}.${createHmac('sha256', secrets.jwt).update(input).digest('base64url')}`;
  };
  const get = (path: string, headers: Record<string, string> = {}) => request(app.getHttpServer()).get(path).set(headers);
  const bearer = (value: string) => ({ Authorization: `Bearer ${value}` });
  return { app, repository, users, token, forge, claimsOf, get, bearer, secrets };
}

type Setup = Awaited<ReturnType<typeof setup>>;

function expect401(response: request.Response, wwwAuthenticate: string) {
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ statusCode: 401, detail: 'Unauthorized' });
  expect(response.headers['www-authenticate']).toBe(wwwAuthenticate);
}

function expect403(response: request.Response) {
  expect(response.status).toBe(403);
  expect(response.body).toEqual({ statusCode: 403, detail: 'Forbidden' });
  expect(response.headers['www-authenticate']).toBeUndefined();
}

const INVALID = 'Bearer error="invalid_token"';

describe('UsersAuthGuard', () => {
  let ctx: Setup;
  beforeAll(async () => {
    ctx = await setup();
  });
  afterAll(async () => {
    await ctx?.app.close();
  });

  describe('@Authenticated()', () => {
    it.each(['jwt', 'mobile'] as const)('accepts a %s token on a route open to every backend', async (backend) => {
      const response = await ctx.get('/routes/default', ctx.bearer(await ctx.token(backend, ctx.users.alice)));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ email: 'alice@example.com' });
    });

    it('accepts an xtoken token sent in its own header', async () => {
      const response = await ctx.get('/routes/default', { 'X-Token': await ctx.token('xtoken', ctx.users.bob) });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ email: 'bob@example.com' });
    });

    it('accepts a hand-signed token with the real claims (the reference for the forgeries below)', async () => {
      const response = await ctx.get('/routes/default', ctx.bearer(await ctx.forge(ctx.users.alice)));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ email: 'alice@example.com' });
    });

    it('refuses a token issued before a password change', async () => {
      const user = await ctx.repository.add('changer@example.com', { hashedPassword: 'old-hash' });
      const token = await ctx.token('jwt', user);
      expect((await ctx.get('/routes/default', ctx.bearer(token))).status).toBe(200);
      await ctx.repository.update(user, { hashedPassword: 'new-hash' });
      expect401(await ctx.get('/routes/default', ctx.bearer(token)), INVALID);
    });

    it('answers 401 with WWW-Authenticate: Bearer when no token was sent', async () => {
      expect401(await ctx.get('/routes/default'), 'Bearer');
      expect401(await ctx.get('/routes/default', { Authorization: 'Basic YWxpY2U6c2VjcmV0' }), 'Bearer');
    });

    it('answers 401 with error="invalid_token" when a token was sent and refused', async () => {
      expect401(await ctx.get('/routes/default', ctx.bearer('not-a-jwt')), INVALID);
      expect401(await ctx.get('/routes/default', ctx.bearer(await ctx.forge(ctx.users.alice, { exp: now() - 1 }))), INVALID);
      expect401(await ctx.get('/routes/default', { 'X-Token': 'garbage' }), INVALID);
    });

    it('refuses a token of a user that no longer exists', async () => {
      const gone = await ctx.repository.add('gone@example.com');
      const token = await ctx.token('jwt', gone);
      expect((await ctx.get('/routes/default', ctx.bearer(token))).status).toBe(200);
      await ctx.repository.delete(gone);
      expect401(await ctx.get('/routes/default', ctx.bearer(token)), INVALID);
    });

    it('refuses a crit token, an alg:none token and an HS512 token (all signed with the real secret)', async () => {
      const { alice } = ctx.users;
      expect401(
        await ctx.get('/routes/default', ctx.bearer(await ctx.forge(alice, {}, { crit: ['x-foo'], 'x-foo': 1 }))),
        INVALID,
      );
      const none = `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(await ctx.claimsOf(alice))}.`;
      expect401(await ctx.get('/routes/default', ctx.bearer(none)), INVALID);
      const hs512 = jsonwebtoken.sign(await ctx.claimsOf(alice), ctx.secrets.jwt, { algorithm: 'HS512' });
      expect401(await ctx.get('/routes/default', ctx.bearer(hs512)), INVALID);
    });

    it('never reads a token from the query string', async () => {
      const token = await ctx.token('jwt', ctx.users.alice);
      for (const name of ['access_token', 'auth_token', 'token']) {
        expect401(await ctx.get(`/routes/default?${name}=${token}`), 'Bearer');
      }
    });

    it('answers 401 for an inactive user, and lets them in where active: false', async () => {
      const token = await ctx.token('jwt', ctx.users.inactive);
      expect401(await ctx.get('/routes/default', ctx.bearer(token)), INVALID);
      const allowed = await ctx.get('/routes/inactive-allowed', ctx.bearer(token));
      expect(allowed.status).toBe(200);
      expect(allowed.body).toEqual({ email: 'inactive@example.com' });
    });

    it('answers 403 for an unverified user on a verified: true route', async () => {
      expect403(await ctx.get('/routes/verified', ctx.bearer(await ctx.token('jwt', ctx.users.unverified))));
      expect((await ctx.get('/routes/verified', ctx.bearer(await ctx.token('jwt', ctx.users.alice)))).status).toBe(200);
      // Without verified: true the unverified user is fine (requiresVerification defaults to false).
      expect((await ctx.get('/routes/default', ctx.bearer(await ctx.token('jwt', ctx.users.unverified)))).status).toBe(200);
    });

    it('answers 403 for a non-superuser on a superuser: true route, 200 for a superuser', async () => {
      expect403(await ctx.get('/routes/superuser', ctx.bearer(await ctx.token('mobile', ctx.users.alice))));
      const root = await ctx.get('/routes/superuser', ctx.bearer(await ctx.token('mobile', ctx.users.root)));
      expect(root.status).toBe(200);
      expect(root.body).toEqual({ email: 'root@example.com' });
    });

    it('answers 401, not 403, for an anonymous caller on a superuser: true route', async () => {
      expect401(await ctx.get('/routes/superuser'), 'Bearer');
    });

    it('lets anyone through an optional route, with user null unless a valid token names one', async () => {
      for (const headers of [{}, ctx.bearer('garbage'), ctx.bearer(await ctx.token('jwt', ctx.users.inactive))]) {
        const response = await ctx.get('/routes/optional', headers);
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ email: null });
      }
      const known = await ctx.get('/routes/optional', ctx.bearer(await ctx.token('jwt', ctx.users.alice)));
      expect(known.body).toEqual({ email: 'alice@example.com' });
    });

    it('does not authenticate routes without @Authenticated() (no global guard)', async () => {
      const response = await ctx.get('/routes/open', ctx.bearer(await ctx.token('jwt', ctx.users.alice)));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ email: null });
    });

    it('does not take a store failure for a bad token', async () => {
      const token = await ctx.token('jwt', ctx.users.alice);
      ctx.repository.down = true;
      try {
        const response = await ctx.get('/routes/default', ctx.bearer(token));
        expect(response.status).toBeGreaterThanOrEqual(500);
        expect(response.headers['www-authenticate']).toBeUndefined();
      } finally {
        ctx.repository.down = false;
      }
    });
  });

  describe('backends', () => {
    it('refuses a mobile token on a route restricted to jwt', async () => {
      const mobile = await ctx.token('mobile', ctx.users.alice);
      expect401(await ctx.get('/routes/jwt-only', ctx.bearer(mobile)), INVALID);
      expect((await ctx.get('/routes/jwt-only', ctx.bearer(await ctx.token('jwt', ctx.users.alice)))).status).toBe(200);
    });

    it('ignores the token of a backend left out of the route (no invalid_token for it)', async () => {
      expect401(await ctx.get('/routes/xtoken-only', ctx.bearer(await ctx.token('jwt', ctx.users.alice))), 'Bearer');
    });

    it('tries backends in declaration order: the first that yields a user wins', async () => {
      const headers = {
        ...ctx.bearer(await ctx.token('jwt', ctx.users.alice)),
        'X-Token': await ctx.token('xtoken', ctx.users.bob),
      };
      expect((await ctx.get('/routes/default', headers)).body).toEqual({ email: 'alice@example.com' });
      // The route's list restricts, it does not reorder.
      expect((await ctx.get('/routes/xtoken-then-jwt', headers)).body).toEqual({ email: 'alice@example.com' });
      expect((await ctx.get('/routes/xtoken-only', headers)).body).toEqual({ email: 'bob@example.com' });
    });

    it('falls through to the next backend when the first one yields no user', async () => {
      const headers = { ...ctx.bearer('garbage'), 'X-Token': await ctx.token('xtoken', ctx.users.bob) };
      const response = await ctx.get('/routes/default', headers);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ email: 'bob@example.com' });
    });

    it('does not let a token of one backend pass for another backend sharing its transport', async () => {
      // jwt and mobile both read the bearer header; an xtoken-signed token sent as bearer matches neither.
      expect401(await ctx.get('/routes/default', ctx.bearer(await ctx.token('xtoken', ctx.users.alice))), INVALID);
    });
  });

  describe('class and handler metadata', () => {
    it('protects every handler of an @Authenticated() class', async () => {
      expect401(await ctx.get('/class/protected'), 'Bearer');
      const response = await ctx.get('/class/protected', ctx.bearer(await ctx.token('jwt', ctx.users.alice)));
      expect(response.body).toEqual({ email: 'alice@example.com' });
    });

    it('opens a @Public() handler inside an @Authenticated() class', async () => {
      const response = await ctx.get('/class/public');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ open: true });
    });

    it('adds handler requirements to class requirements', async () => {
      expect403(await ctx.get('/class/superuser', ctx.bearer(await ctx.token('jwt', ctx.users.alice))));
      expect((await ctx.get('/class/superuser', ctx.bearer(await ctx.token('jwt', ctx.users.root)))).status).toBe(200);
    });
  });

  describe("AuthGuard('users-auth:jwt') from @nestjs/passport", () => {
    it('accepts a valid token of the jwt backend, written or hand-signed', async () => {
      for (const token of [await ctx.token('jwt', ctx.users.alice), await ctx.forge(ctx.users.alice)]) {
        const response = await ctx.get('/passport/jwt', ctx.bearer(token));
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ email: 'alice@example.com' });
      }
    });

    it('refuses a validly signed token with a crit header', async () => {
      const response = await ctx.get(
        '/passport/jwt',
        ctx.bearer(await ctx.forge(ctx.users.alice, {}, { crit: ['x-foo'], 'x-foo': 1 })),
      );
      expect(response.status).toBe(401);
    });

    it('refuses an expired token', async () => {
      const expired = await ctx.forge(ctx.users.alice, { iat: now() - 7200, exp: now() - 1 });
      expect((await ctx.get('/passport/jwt', ctx.bearer(expired))).status).toBe(401);
    });

    it('refuses a token of another backend, a token without exp, an iat in the future and alg:none', async () => {
      const { alice } = ctx.users;
      const { exp: _exp, iat: _iat, ...noExp } = await ctx.claimsOf(alice);
      const none = `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(await ctx.claimsOf(alice))}.`;
      for (const token of [
        await ctx.token('mobile', alice),
        jsonwebtoken.sign(noExp, ctx.secrets.jwt),
        await ctx.forge(alice, { iat: now() + 86_400, exp: now() + 90_000 }),
        none,
      ]) {
        expect((await ctx.get('/passport/jwt', ctx.bearer(token))).status).toBe(401);
      }
    });

    it('refuses a token issued before a password change', async () => {
      const user = await ctx.repository.add('passport-changer@example.com', { hashedPassword: 'old-hash' });
      const token = await ctx.token('jwt', user);
      expect((await ctx.get('/passport/jwt', ctx.bearer(token))).status).toBe(200);
      await ctx.repository.update(user, { hashedPassword: 'new-hash' });
      expect((await ctx.get('/passport/jwt', ctx.bearer(token))).status).toBe(401);
    });

    it('never reads the token from the query string', async () => {
      const token = await ctx.token('jwt', ctx.users.alice);
      expect((await ctx.get(`/passport/jwt?auth_token=${token}`)).status).toBe(401);
      expect((await ctx.get(`/passport/jwt?access_token=${token}`)).status).toBe(401);
    });

    it('refuses an inactive user, like @Authenticated() does (a disabled account keeps no session)', async () => {
      const response = await ctx.get('/passport/jwt', ctx.bearer(await ctx.token('jwt', ctx.users.inactive)));
      expect(response.status).toBe(401);
    });
  });
});

describe('UsersAuthGuard with globalGuard: true', () => {
  let ctx: Setup;
  beforeAll(async () => {
    ctx = await setup({ globalGuard: true, controllers: [PlainController, RoutesController] });
  });
  afterAll(async () => {
    await ctx?.app.close();
  });

  it('protects a plain controller', async () => {
    expect401(await ctx.get('/plain'), 'Bearer');
    const response = await ctx.get('/plain', ctx.bearer(await ctx.token('mobile', ctx.users.alice)));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ email: 'alice@example.com' });
  });

  it('refuses an inactive user on a plain controller', async () => {
    expect401(await ctx.get('/plain', ctx.bearer(await ctx.token('jwt', ctx.users.inactive))), INVALID);
  });

  it('opens a @Public() handler', async () => {
    const response = await ctx.get('/plain/public');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ email: null });
  });

  it("still applies a route's own @Authenticated() requirements", async () => {
    expect403(await ctx.get('/routes/superuser', ctx.bearer(await ctx.token('jwt', ctx.users.alice))));
    expect((await ctx.get('/routes/superuser', ctx.bearer(await ctx.token('jwt', ctx.users.root)))).status).toBe(200);
    expect401(await ctx.get('/routes/jwt-only', ctx.bearer(await ctx.token('mobile', ctx.users.alice))), INVALID);
  });

  it('lets a route open to anonymous callers only with override: true', async () => {
    expect((await ctx.get('/plain/optional')).body).toEqual({ email: null });
    expect((await ctx.get('/plain/optional', ctx.bearer(await ctx.token('jwt', ctx.users.alice)))).body).toEqual({
      email: 'alice@example.com',
    });
  });

  it("keeps the module's own login route reachable without a token", async () => {
    const response = await request(ctx.app.getHttpServer())
      .post('/auth/jwt/login')
      .type('form')
      .send({ username: 'nobody@example.com', password: 'wrong-password' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
  });

  it("protects the module's own /users/me", async () => {
    expect401(await ctx.get('/users/me'), 'Bearer');
    const response = await ctx.get('/users/me', ctx.bearer(await ctx.token('jwt', ctx.users.alice)));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: ctx.users.alice.id, email: 'alice@example.com' });
    expect(response.body).not.toHaveProperty('hashedPassword');
  });
});
