import { Authenticated, CurrentUser, Public, UsersAuthConfigurationError, UsersAuthGuard } from '@nest-users/core';
import { applyDecorators, Controller, Get, Post, Req, UseGuards, type CanActivate } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { ProbeController } from '../fixtures/probe.controller.js';
import { createTestApp, type Platform, type TestApp, type TestAppOptions } from '../fixtures/test-app.js';
import { createTokenStores, type TokenStores } from '../fixtures/token-stores.js';
import type { User } from '../fixtures/user.entity.js';

const platforms: Platform[] = ['express', 'fastify'];
const who = (user: User | null | undefined) => ({ email: user?.email ?? null });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
/** One request to the test app, with a bearer token when given. */
const send = (t: TestApp, method: 'get' | 'post', path: string, token?: string) =>
  request(t.server as never)
    [method](path)
    .set(token ? bearer(token) : {});

/** Registers `email`, sets its flags (verified by default) and returns a token of `backend`. */
async function userToken(t: TestApp, email: string, flags: Partial<Pick<User, 'isVerified' | 'isSuperuser' | 'isActive'>> = {}) {
  await register(t.server, email);
  await t.users.update({ email }, { isVerified: true });
  const token = await login(t.server, email);
  await t.users.update({ email }, { isVerified: true, ...flags });
  return token;
}

/** No decorator of ours but `extra`: what a route gets depends only on where UsersAuthGuard runs. */
function plainController(...extra: ClassDecorator[]) {
  @Controller('plain')
  @applyDecorators(...extra)
  class PlainController {
    @Get()
    plain(@CurrentUser() user: User) {
      return who(user);
    }

    @Get('public')
    @Public()
    open() {
      return { open: true };
    }
  }
  return PlainController;
}
const PlainController = plainController();
/** The design card's own form. */
const UseGuardsController = plainController(UseGuards(UsersAuthGuard));

const forms: Array<[string, Pick<TestAppOptions, 'controllers' | 'providers' | 'beforeInit' | 'globalGuard'>]> = [
  ['@UseGuards(UsersAuthGuard)', { controllers: [UseGuardsController] }],
  ['APP_GUARD useClass', { controllers: [PlainController], providers: [{ provide: APP_GUARD, useClass: UsersAuthGuard }] }],
  ['APP_GUARD useExisting', { controllers: [PlainController], providers: [{ provide: APP_GUARD, useExisting: UsersAuthGuard }] }],
  ['app.useGlobalGuards', { controllers: [PlainController], beforeInit: (app) => app.useGlobalGuards(app.get(UsersAuthGuard)) }],
  ['globalGuard: true', { controllers: [PlainController], globalGuard: true }],
];

describe.each(platforms)('wherever UsersAuthGuard runs, the route is authenticated unless @Public() (%s)', (platform) => {
  describe.each(forms)('%s', (_form, options) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ platform, ...options });
    });
    afterAll(async () => t?.close());

    it('answers 401 without a token or with a bad one, and the user with a good one', async () => {
      const token = await userToken(t, 'plain@example.com');
      expect((await request(t.server as never).get('/plain')).status).toBe(401);
      expect(
        (
          await request(t.server as never)
            .get('/plain')
            .set(bearer('garbage'))
        ).status,
      ).toBe(401);
      const response = await request(t.server as never)
        .get('/plain')
        .set(bearer(token));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ email: 'plain@example.com' });
    });

    it('documents the protected route with every backend, and the public ones without security', () => {
      expect(t.document.paths['/plain']!.get!.security).toEqual([{ jwt: [] }, { mobile: [] }]);
      expect(t.document.paths['/plain/public']!.get!.security).toBeUndefined();
      expect(t.document.paths['/auth/jwt/login']!.post!.security).toBeUndefined();
    });

    it('refuses an inactive user, and opens @Public() routes and the module’s own public routes', async () => {
      const token = await userToken(t, 'off@example.com', { isActive: false });
      expect(
        (
          await request(t.server as never)
            .get('/plain')
            .set(bearer(token))
        ).status,
      ).toBe(401);
      expect((await request(t.server as never).get('/plain/public')).body).toEqual({ open: true });
      const bad = await request(t.server as never)
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: 'x@example.com', password: 'wrong one!' });
      expect(bad.body).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
    });
  });
});

@Controller('combine')
@Authenticated({ superuser: true })
class SuperuserClassController {
  @Get('jwt')
  @Authenticated({ backends: ['jwt'] })
  jwt(@CurrentUser() user: User) {
    return who(user);
  }

  @Get('relaxed')
  @Authenticated({ superuser: false, override: true })
  relaxed(@CurrentUser() user: User) {
    return who(user);
  }
}

@Controller('stacked')
class StackedController {
  @Get()
  @Authenticated({ superuser: true })
  @Authenticated({ verified: true })
  both(@CurrentUser() user: User) {
    return who(user);
  }
}

@Controller('global')
class UnderGlobalController {
  @Get('jwt')
  @Authenticated({ backends: ['jwt'] })
  jwt(@CurrentUser() user: User) {
    return who(user);
  }

  @Get('unverified-welcome')
  @Authenticated({ verified: false, override: true })
  unverifiedWelcome(@CurrentUser() user: User) {
    return who(user);
  }

  @Get('optional')
  @Authenticated({ optional: true, override: true })
  optional(@CurrentUser() user: User | null) {
    return who(user);
  }
}

describe.each(platforms)('requirements combine and the stricter wins (%s)', (platform) => {
  describe('class, handler and stacked decorators', () => {
    let t: TestApp;
    let tokens: Record<'alice' | 'unverifiedRoot' | 'root', string>;
    let rootMobile: string;
    beforeAll(async () => {
      t = await createTestApp({ platform, controllers: [SuperuserClassController, StackedController] });
      tokens = {
        alice: await userToken(t, 'alice@example.com'),
        unverifiedRoot: await userToken(t, 'uroot@example.com', { isSuperuser: true, isVerified: false }),
        root: await userToken(t, 'root@example.com', { isSuperuser: true }),
      };
      rootMobile = await login(t.server, 'root@example.com', PASSWORD, 'mobile');
    });
    afterAll(async () => t?.close());
    const get = (path: string, token?: string) => send(t, 'get', path, token);

    it("keeps the class's superuser requirement on a handler that only names backends", async () => {
      expect((await get('/combine/jwt', tokens.alice)).status).toBe(403);
      expect((await get('/combine/jwt', tokens.root)).body).toEqual({ email: 'root@example.com' });
      expect((await get('/combine/jwt', rootMobile)).status).toBe(401);
    });

    it('documents what is enforced: the handler’s backends, the class’s 403', () => {
      const operation = t.document.paths['/combine/jwt']!.get!;
      expect(operation.security).toEqual([{ jwt: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    });

    it('enforces both of two @Authenticated() on one handler', async () => {
      expect((await get('/stacked', tokens.unverifiedRoot)).status).toBe(403);
      expect((await get('/stacked', tokens.alice)).status).toBe(403);
      expect((await get('/stacked', tokens.root)).status).toBe(200);
    });

    it('relaxes only with override: true, and still authenticates', async () => {
      expect((await get('/combine/relaxed', tokens.alice)).body).toEqual({ email: 'alice@example.com' });
      expect((await get('/combine/relaxed')).status).toBe(401);
    });
  });

  describe('under globalGuard: { verified: true }', () => {
    let t: TestApp;
    let unverified: string;
    let verified: string;
    beforeAll(async () => {
      t = await createTestApp({ platform, controllers: [UnderGlobalController], globalGuard: { verified: true } });
      unverified = await userToken(t, 'unv@example.com', { isVerified: false });
      verified = await userToken(t, 'ver@example.com');
    });
    afterAll(async () => t?.close());
    const get = (path: string, token?: string) => send(t, 'get', path, token);

    it("keeps the global guard's verified on a handler that names backends", async () => {
      expect((await get('/global/jwt', unverified)).status).toBe(403);
      expect((await get('/users/me', unverified)).status).toBe(403);
    });

    it('lets a handler relax explicitly (override: true): an unverified user, an anonymous caller', async () => {
      expect((await get('/global/unverified-welcome', unverified)).body).toEqual({ email: 'unv@example.com' });
      expect((await get('/global/unverified-welcome')).status).toBe(401);
      expect((await get('/global/optional')).body).toEqual({ email: null });
      expect((await get('/global/optional', verified)).body).toEqual({ email: 'ver@example.com' });
      // Only `optional` was overridden: the global verified still decides who counts as the user.
      expect((await get('/global/optional', unverified)).body).toEqual({ email: null });
    });
  });
});

describe.each(platforms)('under globalGuard: { backends: ["jwt"] } (%s)', (platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ platform, controllers: [ProbeController], globalGuard: { backends: ['jwt'] } });
  });
  afterAll(async () => t?.close());

  it("accepts only jwt tokens on the app's routes, and still logs a mobile session out", async () => {
    const jwt = await userToken(t, 'both@example.com');
    const mobile = await login(t.server, 'both@example.com', PASSWORD, 'mobile');
    expect((await send(t, 'get', '/users/me', jwt)).status).toBe(200);
    expect((await send(t, 'get', '/users/me', mobile)).status).toBe(401);
    expect((await send(t, 'get', '/probe/any', mobile)).status).toBe(401);
    expect((await send(t, 'post', '/auth/mobile/logout', mobile)).status).toBe(204);
    expect((await send(t, 'post', '/auth/mobile/logout', jwt)).status).toBe(401);
  });
});

/** Boots an app and returns the startup error. */
async function startupError(options: TestAppOptions): Promise<Error> {
  const error = await createTestApp(options).then(
    async (t) => {
      await t.close();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsersAuthConfigurationError);
  return error as Error;
}

describe('route requirements are checked at startup', () => {
  it('refuses @Public() and @Authenticated() on one handler', async () => {
    @Controller('both')
    class BothController {
      @Get()
      @Public()
      @Authenticated()
      both() {
        return {};
      }
    }
    expect((await startupError({ controllers: [BothController] })).message).toMatch(
      /BothController\.both is both @Public\(\) and @Authenticated\(\)/,
    );
  });

  it('refuses a relaxation without override: true, naming it', async () => {
    @Controller('relax')
    @Authenticated({ verified: true })
    class RelaxController {
      @Get()
      @Authenticated({ verified: false })
      relax() {
        return {};
      }
    }
    const error = await startupError({ controllers: [RelaxController] });
    expect(error.message).toContain('"verified: false" would relax RelaxController.relax');
    expect(error.message).toContain('override: true');
  });

  it('refuses optional: true under the global guard without override (the global guard requires a user)', async () => {
    @Controller('optional')
    class OptionalController {
      @Get()
      @Authenticated({ optional: true })
      optional() {
        return {};
      }
    }
    expect((await startupError({ controllers: [OptionalController], globalGuard: true })).message).toContain(
      '"optional: true" would relax',
    );
  });

  it('refuses a backend the module does not have, in @Authenticated() and in globalGuard', async () => {
    @Controller('unknown')
    class UnknownBackendController {
      @Get()
      @Authenticated({ backends: ['jtw'] })
      unknown() {
        return {};
      }
    }
    expect((await startupError({ controllers: [UnknownBackendController] })).message).toMatch(
      /backend "jtw" does not exist; this module has \[jwt, mobile\]/,
    );
    expect((await startupError({ controllers: [], globalGuard: { backends: ['tablet'] } })).message).toMatch(
      /globalGuard: backend "tablet"/,
    );
  });

  it('refuses backends that leave nothing to authenticate with', async () => {
    @Controller('empty')
    @Authenticated({ backends: ['mobile'] })
    class EmptyController {
      @Get()
      @Authenticated({ backends: ['jwt'] })
      empty() {
        return {};
      }
    }
    expect((await startupError({ controllers: [EmptyController] })).message).toMatch(
      /no backend is left for EmptyController\.empty/,
    );
  });
});

describe('@CurrentUser() on a route no guard authenticates', () => {
  it('fails at startup when the route has no guard at all', async () => {
    @Controller('naked')
    class NakedController {
      @Get()
      naked(@CurrentUser() user: User) {
        return who(user);
      }
    }
    expect((await startupError({ controllers: [NakedController] })).message).toMatch(
      /@CurrentUser\(\) on NakedController\.naked, which no guard/,
    );
  });

  it('fails at startup on a @Public() route, even under the global guard', async () => {
    @Controller('public-user')
    class PublicUserController {
      @Get()
      @Public()
      open(@CurrentUser() user: User) {
        return who(user);
      }
    }
    expect((await startupError({ controllers: [PublicUserController], globalGuard: true })).message).toMatch(
      /which is @Public\(\)/,
    );
  });
});

class AllowAllGuard implements CanActivate {
  canActivate() {
    return true;
  }
}

@Controller('other-guards')
class OtherGuardsController {
  @Get('allow-all')
  @UseGuards(AllowAllGuard)
  allowAll(@CurrentUser() user: User) {
    return who(user);
  }

  @Get('passport')
  @UseGuards(AuthGuard('users-auth:jwt'))
  passport(@CurrentUser() user: User) {
    return who(user);
  }
}

describe.each(platforms)('@CurrentUser() at request time (%s)', (platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ platform, controllers: [OtherGuardsController] });
  });
  afterAll(async () => t?.close());

  it('is an error behind a guard that authenticated nobody, never a silent null', async () => {
    const response = await request(t.server as never).get('/other-guards/allow-all');
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('"email"');
  });

  it("reads the user AuthGuard('users-auth:jwt') authenticated", async () => {
    const token = await userToken(t, 'pp@example.com');
    expect(
      (
        await request(t.server as never)
          .get('/other-guards/passport')
          .set(bearer(token))
      ).body,
    ).toEqual({ email: 'pp@example.com' });
  });
});

@Controller('pp')
class PassportController {
  @Get('jwt')
  @UseGuards(AuthGuard('users-auth:jwt'))
  jwt(@Req() request: { user: User }) {
    return who(request.user);
  }

  @Post('cookie')
  @UseGuards(AuthGuard('users-auth:cookie'))
  cookie(@Req() request: { user: User }) {
    return who(request.user);
  }
}

describe.each(platforms)("AuthGuard('users-auth:<name>') enforces what @Authenticated() does, refresh too (%s)", (platform) => {
  let t: TestApp;
  let stores: TokenStores;
  beforeAll(async () => {
    stores = await createTokenStores('sqlite');
    t = await createTestApp({
      platform,
      requiresVerification: true,
      controllers: [PassportController],
      cookieRefreshStore: stores.refreshStore,
    });
  });
  afterAll(async () => {
    await t?.close();
    await stores?.close();
  });

  const cookieLogin = async (email: string) => {
    const response = await request(t.server as never)
      .post('/auth/cookie/login')
      .set('Origin', 'https://app.example.com')
      .type('form')
      .send({ username: email, password: PASSWORD });
    expect(response.status).toBe(204);
    const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0]!);
    return cookies.join('; ');
  };

  it('refuses a user who lost their verification with 403 (the module requires it), an inactive one with 401', async () => {
    const token = await userToken(t, 'pv@example.com');
    expect(
      (
        await request(t.server as never)
          .get('/pp/jwt')
          .set(bearer(token))
      ).body,
    ).toEqual({ email: 'pv@example.com' });
    await t.users.update({ email: 'pv@example.com' }, { isVerified: false });
    const refused = await request(t.server as never)
      .get('/pp/jwt')
      .set(bearer(token));
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ statusCode: 403, detail: 'Forbidden' });
    await t.users.update({ email: 'pv@example.com' }, { isVerified: true, isActive: false });
    expect(
      (
        await request(t.server as never)
          .get('/pp/jwt')
          .set(bearer(token))
      ).status,
    ).toBe(401);
  });

  it("refuses a cookie-authenticated state change from another site (the cookie transport's CSRF check)", async () => {
    await userToken(t, 'csrf@example.com');
    const cookie = await cookieLogin('csrf@example.com');
    const post = (origin: string) =>
      request(t.server as never)
        .post('/pp/cookie')
        .set('Cookie', cookie)
        .set('Origin', origin);
    const foreign = await post('https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ statusCode: 403, detail: 'Forbidden' });
    const trusted = await post('https://app.example.com');
    expect(trusted.status).toBe(201);
    expect(trusted.body).toEqual({ email: 'csrf@example.com' });
  });

  it('refuses to refresh for a user who lost their verification (403), and refreshes a verified one', async () => {
    await userToken(t, 'refresh@example.com');
    const refresh = (cookie: string) =>
      request(t.server as never)
        .post('/auth/cookie/refresh')
        .set('Cookie', cookie)
        .set('Origin', 'https://app.example.com')
        .type('form')
        .send({});
    const renewed = await refresh(await cookieLogin('refresh@example.com'));
    expect(renewed.status).toBe(204);
    const cookie = await cookieLogin('refresh@example.com');
    await t.users.update({ email: 'refresh@example.com' }, { isVerified: false });
    const refused = await refresh(cookie);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ statusCode: 403, detail: 'Forbidden' });
    expect(refused.headers['set-cookie']).toBeUndefined();
  });
});

describe.each(platforms)('two apps in one process never accept each other’s tokens through passport (%s)', (platform) => {
  let a: TestApp;
  let b: TestApp;
  let tokens: { a: string; b: string };
  beforeAll(async () => {
    a = await createTestApp({ platform });
    b = await createTestApp({ platform });
    tokens = { a: await userToken(a, 'same@example.com'), b: await userToken(b, 'same@example.com') };
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });
  const probe = (t: TestApp, token: string) =>
    request(t.server as never)
      .get('/probe/passport')
      .set(bearer(token));

  it("each app's AuthGuard('users-auth:jwt') verifies with its own keys and users", async () => {
    expect((await probe(a, tokens.a)).status).toBe(200);
    expect((await probe(b, tokens.b)).status).toBe(200);
    expect((await probe(a, tokens.b)).status).toBe(401);
    expect((await probe(b, tokens.a)).status).toBe(401);
  });

  it('keeps serving the other app when one closes', async () => {
    const c = await createTestApp({ platform });
    const token = await userToken(c, 'c@example.com');
    expect((await probe(c, token)).status).toBe(200);
    await c.close();
    expect((await probe(a, tokens.a)).status).toBe(200);
    expect((await probe(a, token)).status).toBe(401);
  });
});
