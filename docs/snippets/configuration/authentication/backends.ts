import {
  AuthenticationBackend,
  BearerTransport,
  CookieTransport,
  JwtAuthentication,
  JwtStrategy,
  UsersAuthModule,
} from '@nest-users/core';
import {
  AccessTokenEntity,
  BaseUserEntityUUID,
  DatabaseStrategy,
  TypeOrmTokenStore,
  UsersAuthTypeOrmModule,
} from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Entity, type Repository } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

@Module({
  imports: [
    ConfigModule.forRoot(),
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: 'app.sqlite',
      entities: [User, AccessTokenEntity],
      synchronize: true,
    }),
    UsersAuthModule.forRootAsync({
      // Names shape routes (/auth/jwt/login, /auth/cookie/login, /auth/db/login), so they are declared up front.
      backendNames: ['jwt', 'cookie', 'db'],
      imports: [ConfigModule, UsersAuthTypeOrmModule.forFeature(User), TypeOrmModule.forFeature([AccessTokenEntity])],
      inject: [ConfigService, getRepositoryToken(AccessTokenEntity)],
      useFactory: (config: ConfigService, tokens: Repository<AccessTokenEntity>) => {
        const secret = config.getOrThrow<string>('JWT_SECRET');
        const refresh = { store: new TypeOrmTokenStore(tokens), lifetimeSeconds: 14 * 24 * 3600 };
        return {
          backends: [
            // Bearer + JWT, in one line.
            new JwtAuthentication({ secret, lifetimeSeconds: 900 }),
            // Cookie + JWT, with refresh tokens (a second cookie).
            new AuthenticationBackend({
              name: 'cookie',
              transport: new CookieTransport(),
              strategy: new JwtStrategy({ secret, lifetimeSeconds: 900 }),
              refresh,
            }),
            // Bearer + tokens stored in the access_token table.
            new AuthenticationBackend({
              name: 'db',
              transport: new BearerTransport(),
              strategy: new DatabaseStrategy(tokens, { lifetimeSeconds: 3600 }),
            }),
          ],
        };
      },
    }),
  ],
})
export class AppModule {}
