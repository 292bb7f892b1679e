import { JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { createRedisClient, RedisThrottlerStorage } from '@nest-users/redis';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

const redis = createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
      rateLimit: {
        storage: new RedisThrottlerStorage(redis), // every instance counts together
        limits: {
          login: { email: { limit: 50, windowSeconds: 60 } }, // the other login counters keep their defaults
          refresh: { address: false }, // a counter turned off
          forgotPassword: { email: { limit: 3, windowSeconds: 3600 } }, // 3 mails an hour per inbox
        },
      },
    }),
  ],
})
export class AppModule {}
