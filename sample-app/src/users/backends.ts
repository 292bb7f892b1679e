import { AuthenticationBackend, BearerTransport, CookieTransport, JwtAuthentication, JwtStrategy } from '@nest-users/core';
import { RedisStrategy } from '@nest-users/redis';
import { DatabaseStrategy, TypeOrmTokenStore, type AccessTokenEntity } from '@nest-users/typeorm';
import type { Redis } from 'ioredis';
import type { Repository } from 'typeorm';

/** Access tokens live an hour, as in fastapi-users' examples; refresh tokens two weeks. */
const ACCESS_LIFETIME_SECONDS = 3600;
const REFRESH_LIFETIME_SECONDS = 14 * 24 * 3600;

export interface SampleBackendsConfig {
  jwtSecret: string;
  tokens: Repository<AccessTokenEntity>;
  redis?: Redis;
  /** Cookies marked Secure; browsers accept them on http://localhost too. */
  secureCookies?: boolean;
}

/** The sample's backend names, in order: `redis` only when Redis is configured. */
export function sampleBackendNames(withRedis: boolean): string[] {
  return ['jwt', 'cookie', 'db', ...(withRedis ? ['redis'] : [])];
}

/**
 * One backend of each kind: `jwt` (bearer + JWT, the Swagger UI default), `cookie` (cookie + JWT, for a browser
 * front end), `db` (bearer + database tokens, with refresh tokens) and `redis` (bearer + Redis tokens).
 */
export function createSampleBackends(config: SampleBackendsConfig): AuthenticationBackend[] {
  const refresh = { store: new TypeOrmTokenStore(config.tokens), lifetimeSeconds: REFRESH_LIFETIME_SECONDS };
  return [
    new JwtAuthentication({ secret: config.jwtSecret, lifetimeSeconds: ACCESS_LIFETIME_SECONDS }),
    new AuthenticationBackend({
      name: 'cookie',
      transport: new CookieTransport({ cookieMaxAge: ACCESS_LIFETIME_SECONDS, cookieSecure: config.secureCookies ?? true }),
      strategy: new JwtStrategy({ secret: config.jwtSecret, lifetimeSeconds: ACCESS_LIFETIME_SECONDS }),
    }),
    new AuthenticationBackend({
      name: 'db',
      transport: new BearerTransport(),
      strategy: new DatabaseStrategy(config.tokens, { lifetimeSeconds: ACCESS_LIFETIME_SECONDS }),
      refresh,
    }),
    ...(config.redis
      ? [
          new AuthenticationBackend({
            name: 'redis',
            transport: new BearerTransport(),
            strategy: new RedisStrategy(config.redis, { lifetimeSeconds: ACCESS_LIFETIME_SECONDS }),
          }),
        ]
      : []),
  ];
}
