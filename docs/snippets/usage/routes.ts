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
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
      routes: {
        authPath: 'account', // POST /account/jwt/login, /account/jwt/logout ...
        registerPath: 'account', // POST /account/register
        verify: false, // no /request-verify-token, /verify
        resetPasswordPath: 'account/password', // POST /account/password/forgot-password, .../reset-password
        usersPath: 'people', // GET/PATCH /people/me, GET/PATCH/DELETE /people/{id}
        jwks: false, // true serves /.well-known/jwks.json (asymmetric keys)
      },
    }),
  ],
})
export class AppModule {}
