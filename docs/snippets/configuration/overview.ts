import { JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      // Where users live: a module that provides the UserRepository port.
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      // Named backends: each gets POST /auth/<name>/login and /logout, a Swagger scheme and a passport strategy.
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
      // Everything below is optional and shows its default.
      requiresVerification: false,
      requireCurrentPassword: true,
      rateLimit: true,
      isGlobal: true,
      globalGuard: false,
      routes: { authPath: 'auth', usersPath: 'users', register: true, verify: true, resetPassword: true, users: true },
    }),
  ],
})
export class AppModule {}
