import { AuthenticationBackend, BearerTransport, CookieTransport, JwtAuthentication, JwtStrategy } from '@nest-users/core';
import { RedisStrategy } from '@nest-users/redis';
import { AccessTokenEntity, DatabaseStrategy, TypeOrmTokenStore } from '@nest-users/typeorm';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { Repository } from 'typeorm';
import { jwtSecretOf, type SampleEnv } from '../config/sample-env.js';
import { REDIS_CLIENT } from '../redis/redis.module.js';

/** Access tokens live an hour, as in fastapi-users' examples; refresh tokens two weeks. */
const ACCESS_LIFETIME_SECONDS = 3600;
const REFRESH_LIFETIME_SECONDS = 14 * 24 * 3600;

export interface SampleBackendsConfig {
  jwtSecret: string;
  tokens: Repository<AccessTokenEntity>;
  redis?: Redis | null;
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
      // Secure (the default): browsers accept Secure cookies on http://localhost too.
      transport: new CookieTransport({ cookieMaxAge: ACCESS_LIFETIME_SECONDS }),
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

/** The backends from the app's configuration and stores: the provider `UsersAuthModule.forRootAsync` injects. */
@Injectable()
export class SampleBackends {
  constructor(
    private readonly config: ConfigService<SampleEnv, true>,
    @InjectRepository(AccessTokenEntity) private readonly tokens: Repository<AccessTokenEntity>,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
  ) {}

  create(): AuthenticationBackend[] {
    const jwtSecret = jwtSecretOf({ JWT_SECRET: this.config.get('JWT_SECRET', { infer: true }) });
    return createSampleBackends({ jwtSecret, tokens: this.tokens, redis: this.redis });
  }
}
