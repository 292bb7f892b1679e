import { InvalidIdError, JwtAuthentication, UserManager, UsersAuthModule } from '@nest-users/core';
import { BaseUserEntityInt, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityInt {}

@Injectable()
export class AppUserManager extends UserManager<User, number> {
  /** Ids from tokens and URLs: a malformed one answers 404 on /users/{id} and 401 in a token. */
  override parseId(value: unknown): number {
    const id = typeof value === 'string' && /^[1-9]\d{0,14}$/.test(value) ? Number(value) : value;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new InvalidIdError();
    return id;
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      userManager: AppUserManager,
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
})
export class AppModule {}
