import { randomBytes } from 'node:crypto';
import {
  AuthenticationBackend,
  BearerTransport,
  CookieTransport,
  JwtAuthentication,
  JwtStrategy,
  StoredTokenStrategy,
  UsersAuthModule,
  type AuthenticatedOptions,
} from '@nest-users/core';
import { createRedisClient, redisReady, RedisTokenStore } from '@nest-users/redis';
import { testKeyPrefix } from '@nest-users/testing/redis';
import { createTestDatabase } from '@nest-users/testing/typeorm';
import { UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module, type DynamicModule, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource, Repository } from 'typeorm';
import { expect } from 'vitest';
import { bootApp } from '../fixtures/boot-app.js';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { User } from '../fixtures/user.entity.js';

export type Platform = 'express' | 'fastify';

export interface RealtimeAppOptions {
  platform?: Platform;
  /** Modules of the app besides the database and UsersAuthModule (GraphQLModule, …). */
  imports?: Array<Type<unknown> | DynamicModule>;
  providers?: Provider[];
  globalGuard?: boolean | AuthenticatedOptions;
  /** Runs before the app's init (e.g. `app.useWebSocketAdapter(...)`). */
  beforeInit?: (app: INestApplication) => void;
  /** Listens on a random port (WebSocket clients need one). */
  listen?: boolean;
}

export type Flags = Partial<Pick<User, 'isVerified' | 'isSuperuser' | 'isActive'>>;

export interface RealtimeApp {
  app: INestApplication;
  server: unknown;
  /** `http://127.0.0.1:<port>` when listening. */
  url: string;
  users: Repository<User>;
  secrets: { jwt: string; mobile: string };
  /** The Redis client of the `session` backend's store. */
  redis: ReturnType<typeof createRedisClient>;
  /** Runs `during` while the `session` backend's Redis client is disconnected (a real outage for it), then reconnects. */
  redisOutage<T>(during: () => Promise<T>): Promise<T>;
  /** Registers `email`, sets `flags` (verified unless told otherwise) and logs in with `backend`. */
  userToken(email: string, flags?: Flags, backend?: string): Promise<string>;
  /** Logs in with the `cookie` backend and returns the `Cookie` header to send. */
  cookieLogin(email: string): Promise<string>;
  close(): Promise<void>;
}

/** The origin the `cookie` backend trusts besides the app's own. */
export const TRUSTED_ORIGIN = 'https://app.example.com';

/**
 * A real app on SQLite with four backends: `jwt` and `mobile` (bearer JWTs, own secrets), `session` (bearer, opaque
 * tokens stored in the test Redis: logout revokes them) and `cookie` (cookie JWTs, trusting TRUSTED_ORIGIN).
 */
export async function createRealtimeApp(options: RealtimeAppOptions = {}): Promise<RealtimeApp> {
  const { platform = 'express' } = options;
  const secrets = { jwt: randomBytes(32).toString('hex'), mobile: randomBytes(32).toString('hex') };
  const storage = await createTestDatabase('sqlite', { entities: [User] });
  const redis = createRedisClient(process.env.TEST_REDIS_URL!);
  await redisReady(redis);
  const keys = testKeyPrefix(redis);
  const usersAuth = UsersAuthModule.forRoot({
    imports: [UsersAuthTypeOrmModule.forFeature(User)],
    backends: [
      new JwtAuthentication({ secret: secrets.jwt, lifetimeSeconds: 3600 }),
      new JwtAuthentication({ secret: secrets.mobile, lifetimeSeconds: 600, name: 'mobile' }),
      new AuthenticationBackend({
        name: 'session',
        transport: new BearerTransport(),
        strategy: new StoredTokenStrategy(new RedisTokenStore(redis, { keyPrefix: `${keys.prefix}access:` }), {
          lifetimeSeconds: 3600,
        }),
      }),
      new AuthenticationBackend({
        name: 'cookie',
        transport: new CookieTransport({ cookieSecure: false, trustedOrigins: [TRUSTED_ORIGIN] }),
        strategy: new JwtStrategy({ secret: `${secrets.jwt}:cookie`, lifetimeSeconds: 3600 }),
      }),
    ],
    globalGuard: options.globalGuard,
    rateLimit: false,
  });

  @Module({
    imports: [TypeOrmModule.forRoot(storage.options), usersAuth, ...(options.imports ?? [])],
    providers: options.providers ?? [],
  })
  class AppModule {}

  const { app } = await bootApp(AppModule, platform, { beforeInit: options.beforeInit }).catch(async (error: unknown) => {
    // A startup that fails (a configuration error under test) leaves no client or database behind.
    await keys.clear().catch(() => undefined);
    redis.disconnect();
    await storage.drop();
    throw error;
  });
  let url = '';
  if (options.listen) {
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  }
  const server = app.getHttpServer();
  const users = app.get<DataSource>(getDataSourceToken()).getRepository(User);
  return {
    app,
    server,
    url,
    users,
    secrets,
    redis,
    async redisOutage(during) {
      redis.disconnect();
      try {
        return await during();
      } finally {
        while (redis.status !== 'end') await new Promise((resolve) => setTimeout(resolve, 10));
        await redis.connect();
        await redisReady(redis);
      }
    },
    async userToken(email, flags = {}, backend = 'jwt') {
      if (!(await users.findOneBy({ email }))) await register(server, email);
      await users.update({ email }, { isVerified: true });
      const token = await login(server, email, PASSWORD, backend);
      await users.update({ email }, { isVerified: true, ...flags });
      return token;
    },
    async cookieLogin(email) {
      if (!(await users.findOneBy({ email }))) await register(server, email);
      await users.update({ email }, { isVerified: true });
      const response = await request(server as never)
        .post('/auth/cookie/login')
        .set('Origin', TRUSTED_ORIGIN)
        .type('form')
        .send({ username: email, password: PASSWORD });
      expect(response.status, JSON.stringify(response.body)).toBe(204);
      return ([] as string[])
        .concat(response.headers['set-cookie'] ?? [])
        .map((cookie) => cookie.split(';')[0]!)
        .join('; ');
    },
    async close() {
      await app.close();
      await keys.clear().catch(() => undefined);
      redis.disconnect();
      await storage.drop();
    },
  };
}
