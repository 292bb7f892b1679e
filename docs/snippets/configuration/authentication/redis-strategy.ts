import { AuthenticationBackend, BearerTransport, JwtStrategy, UsersAuthModule } from '@nest-users/core';
import { createRedisClient, RedisStrategy, RedisThrottlerStorage, RedisTokenStore } from '@nest-users/redis';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

// Fails fast when Redis is down (the routes that need it answer 503) and reconnects in the background.
const redis = createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [
        new AuthenticationBackend({
          name: 'redis',
          transport: new BearerTransport(),
          strategy: new RedisStrategy(redis, { lifetimeSeconds: 3600 }),
        }),
        // Short-lived JWTs, with their refresh tokens kept in Redis.
        new AuthenticationBackend({
          name: 'jwt',
          transport: new BearerTransport(),
          strategy: new JwtStrategy({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 900 }),
          refresh: { store: new RedisTokenStore(redis), lifetimeSeconds: 14 * 24 * 3600 },
        }),
      ],
      // Every instance counts against the same rate limits.
      rateLimit: { storage: new RedisThrottlerStorage(redis) },
    }),
  ],
})
export class AppModule {}
