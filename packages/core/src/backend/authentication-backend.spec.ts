import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { StrategyDestroyNotSupportedError, TransportLogoutNotSupportedError } from '../errors/not-supported.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { JwtStrategy } from '../strategy/jwt.strategy.js';
import type { Strategy } from '../strategy/strategy.interface.js';
import { BearerTransport } from '../transport/bearer.transport.js';
import type { Transport } from '../transport/transport.interface.js';
import { AuthenticationBackend } from './authentication-backend.js';
import { JwtAuthentication } from './jwt-authentication.js';

type TestUser = UserProtocol<string>;

const user: TestUser = {
  id: randomUUID(),
  email: 'alice@example.com',
  hashedPassword: 'x',
  isActive: true,
  isSuperuser: false,
  isVerified: true,
};

/** A backend on fakes; each fake can be told to throw. */
function setup(name = 'fake') {
  const strategy = {
    readToken: vi.fn(async () => null),
    writeToken: vi.fn(async () => 'the-token'),
    destroyToken: vi.fn(async () => undefined),
  } satisfies Strategy<TestUser>;
  const transport = Object.assign(new BearerTransport(), {
    logoutResponse: vi.fn((): ReturnType<Transport['logoutResponse']> => ({ status: 200, body: { bye: true } })),
  });
  const backend = new AuthenticationBackend<TestUser>({ name, transport, strategy });
  return { backend, strategy, transport };
}

describe('AuthenticationBackend', () => {
  describe('name', () => {
    it.each(['jwt', 'mobile', 'api_v2', 'Cookie-1', '7', 'a'.repeat(64)])('accepts %j', (name) => {
      expect(setup(name).backend.name).toBe(name);
    });

    it.each([
      ['with a slash', 'jwt/admin'],
      ['with a space', 'my jwt'],
      ['empty', ''],
      ['65 characters long', 'a'.repeat(65)],
      ['a path traversal', '..'],
      ['starting with a dash', '-jwt'],
      ['with a dot', 'jwt.v2'],
      ['with a colon', 'users-auth:jwt'],
      ['non-ASCII', 'jwté'],
      ['with a newline', 'jwt\n'],
      ['not a string', 42],
      ['undefined', undefined],
    ])('refuses a name %s', (_label, name) => {
      const { strategy, transport } = setup();
      const build = () => new AuthenticationBackend<TestUser>({ name: name as string, transport, strategy });
      expect(build).toThrow(UsersAuthConfigurationError);
      expect(build).toThrow(/letters, digits/);
    });
  });

  describe('login', () => {
    it("answers with the transport's response for a token the strategy wrote for the user", async () => {
      const { backend, strategy } = setup();
      const response = await backend.login(user);
      expect(strategy.writeToken).toHaveBeenCalledWith(user);
      expect(response).toEqual({
        status: 200,
        body: { access_token: 'the-token', token_type: 'bearer' },
        headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      });
    });
  });

  describe('logout', () => {
    it('destroys the token and answers with the transport response', async () => {
      const { backend, strategy } = setup();
      await expect(backend.logout('the-token', user)).resolves.toEqual({ status: 200, body: { bye: true } });
      expect(strategy.destroyToken).toHaveBeenCalledWith('the-token', user);
    });

    it('answers 204 when neither the strategy nor the transport supports logging out', async () => {
      const { backend, strategy, transport } = setup();
      strategy.destroyToken.mockRejectedValueOnce(new StrategyDestroyNotSupportedError());
      transport.logoutResponse.mockImplementationOnce(() => {
        throw new TransportLogoutNotSupportedError();
      });
      await expect(backend.logout('the-token', user)).resolves.toEqual({ status: 204 });
    });

    it('answers 204 for a real JWT + bearer backend', async () => {
      const backend = new JwtAuthentication<TestUser>({ secret: randomBytes(32), lifetimeSeconds: 60 });
      const token = await backend.strategy.writeToken(user);
      await expect(backend.logout(token, user)).resolves.toEqual({ status: 204 });
    });

    it('rethrows any other strategy failure (a store that is down is not a logout)', async () => {
      const { backend, strategy, transport } = setup();
      const down = new Error('ECONNREFUSED');
      strategy.destroyToken.mockRejectedValueOnce(down);
      await expect(backend.logout('the-token', user)).rejects.toBe(down);
      expect(transport.logoutResponse).not.toHaveBeenCalled();
    });

    it('rethrows any other transport failure', async () => {
      const { backend, transport } = setup();
      const broken = new TypeError('broken transport');
      transport.logoutResponse.mockImplementationOnce(() => {
        throw broken;
      });
      await expect(backend.logout('the-token', user)).rejects.toBe(broken);
    });
  });
});

describe('JwtAuthentication', () => {
  const secret = randomBytes(32);

  it("is the long form with name 'jwt', a BearerTransport and a JwtStrategy", async () => {
    const short = new JwtAuthentication<TestUser>({ secret, lifetimeSeconds: 900 });
    const long = new AuthenticationBackend<TestUser>({
      name: 'jwt',
      transport: new BearerTransport(),
      strategy: new JwtStrategy<TestUser>({ secret, lifetimeSeconds: 900 }),
    });

    expect(short).toBeInstanceOf(AuthenticationBackend);
    expect(short.name).toBe(long.name);
    expect(short.tokenUrl).toBeUndefined();
    expect(short.transport).toBeInstanceOf(BearerTransport);
    expect(short.strategy).toBeInstanceOf(JwtStrategy);
    const [a, b] = [short.strategy, long.strategy as JwtStrategy<TestUser>];
    expect(a.algorithm).toBe('HS256');
    expect([a.algorithm, a.audience, a.lifetimeSeconds]).toEqual([b.algorithm, b.audience, b.lifetimeSeconds]);
    expect(a.key.equals(b.key)).toBe(true);
    expect(a.audience).toEqual(['nest-users:auth:jwt']);

    const lookup = { parseId: (id: unknown) => id as string, get: async () => user };
    await expect(long.strategy.readToken(await short.strategy.writeToken(user), lookup)).resolves.toBe(user);
    await expect(short.strategy.readToken(await long.strategy.writeToken(user), lookup)).resolves.toBe(user);
    expect(await short.login(user)).toMatchObject({ status: 200, body: { token_type: 'bearer' } });
  });

  it('takes a name, a token URL, an audience and an algorithm', async () => {
    const backend = new JwtAuthentication<TestUser>({
      secret: randomBytes(64),
      lifetimeSeconds: 60,
      name: 'mobile',
      tokenUrl: '/proxy/auth/mobile/login',
      audience: ['fastapi-users:auth'],
      algorithm: 'HS512',
    });
    expect(backend.name).toBe('mobile');
    expect(backend.tokenUrl).toBe('/proxy/auth/mobile/login');
    // What the tokens it writes carry.
    const [header, payload] = (await backend.strategy.writeToken(user))
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'HS512' });
    expect([payload!.aud].flat()).toEqual(['fastapi-users:auth']);
  });

  it("names the backend in its default audience, handed over by AuthenticationBackend: another backend's token is refused", async () => {
    const lookup = { parseId: (id: unknown) => id as string, get: async () => user };
    const x = new AuthenticationBackend<TestUser>({
      name: 'x',
      transport: new BearerTransport(),
      strategy: new JwtStrategy<TestUser>({ secret, lifetimeSeconds: 60 }),
    });
    const cookie = new JwtAuthentication<TestUser>({ name: 'cookie', secret, lifetimeSeconds: 60 });
    const jwt = new JwtAuthentication<TestUser>({ secret, lifetimeSeconds: 60 });
    expect((x.strategy as JwtStrategy<TestUser>).audience).toEqual(['nest-users:auth:x']);
    expect(cookie.strategy.audience).toEqual(['nest-users:auth:cookie']);
    // Same secret, three backends: each accepts its own tokens only.
    for (const [minter, reader] of [
      [cookie, jwt],
      [jwt, cookie],
      [x, jwt],
      [jwt, x],
    ] as const) {
      await expect(reader.strategy.readToken(await minter.strategy.writeToken(user), lookup)).resolves.toBeNull();
    }
    for (const backend of [x, cookie, jwt]) {
      await expect(backend.strategy.readToken(await backend.strategy.writeToken(user), lookup)).resolves.toBe(user);
    }
  });

  it('shares tokens between backends only through an explicit audience', async () => {
    const lookup = { parseId: (id: unknown) => id as string, get: async () => user };
    const a = new JwtAuthentication<TestUser>({ name: 'a', secret, lifetimeSeconds: 60, audience: ['fastapi-users:auth'] });
    const b = new JwtAuthentication<TestUser>({ name: 'b', secret, lifetimeSeconds: 60, audience: ['fastapi-users:auth'] });
    await expect(b.strategy.readToken(await a.strategy.writeToken(user), lookup)).resolves.toBe(user);
    // One explicit-audience strategy may serve two backends; a default-audience one may not.
    const shared = new JwtStrategy<TestUser>({ secret, lifetimeSeconds: 60, audience: ['app'] });
    new AuthenticationBackend({ name: 'one', transport: new BearerTransport(), strategy: shared });
    expect(() => new AuthenticationBackend({ name: 'two', transport: new BearerTransport(), strategy: shared })).not.toThrow();
    const own = new JwtStrategy<TestUser>({ secret, lifetimeSeconds: 60 });
    new AuthenticationBackend({ name: 'one', transport: new BearerTransport(), strategy: own });
    expect(() => new AuthenticationBackend({ name: 'two', transport: new BearerTransport(), strategy: own })).toThrow(
      /"one" and "two".*audience/,
    );
  });

  it('refuses to sign or read before it belongs to a backend, unless its audience is set', async () => {
    const lone = new JwtStrategy<TestUser>({ secret, lifetimeSeconds: 60 });
    await expect(lone.writeToken(user)).rejects.toThrow(UsersAuthConfigurationError);
    await expect(lone.readToken('a.b.c', { parseId: (id) => id as string, get: async () => user })).rejects.toThrow(
      /AuthenticationBackend/,
    );
    const explicit = new JwtStrategy<TestUser>({ secret, lifetimeSeconds: 60, audience: ['app'] });
    await expect(explicit.writeToken(user)).resolves.toMatch(/^eyJ/);
  });

  it('validates its name like any backend', () => {
    expect(() => new JwtAuthentication({ secret, lifetimeSeconds: 60, name: 'my/jwt' })).toThrow(UsersAuthConfigurationError);
  });

  it('names itself in configuration errors', () => {
    expect(() => new JwtAuthentication({ secret: 'short', lifetimeSeconds: 60, name: 'mobile' })).toThrow(/Backend "mobile"/);
    expect(() => new JwtAuthentication({ secret, lifetimeSeconds: 0, name: 'mobile' })).toThrow(/Backend "mobile"/);
  });
});
