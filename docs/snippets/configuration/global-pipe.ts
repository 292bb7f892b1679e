import { JwtAuthentication, UsersAuthModule, UsersAuthValidationPipe } from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
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
    }),
  ],
  // In place of app.useGlobalPipes(new ValidationPipe(...)): a whitelist, transform, and 422 {detail: [{loc, msg, type}]}
  // on your routes and the library's alike.
  providers: [{ provide: APP_PIPE, useFactory: () => new UsersAuthValidationPipe() }],
})
export class AppModule {}
