import { AuthenticationBackend, BearerTransport, JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { AccessTokenEntity, DatabaseStrategy, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { NestUsersSecurityStamp1764547200001 } from './security-stamp.migration.js';
import { NestUsersTokenTable1764547200000 } from './token-table.migration.js';
import { User } from './user.entity.js';

@Module({
  imports: [
    ConfigModule.forRoot(),
    TypeOrmModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres',
        url: config.getOrThrow<string>('DATABASE_URL'),
        entities: [User, AccessTokenEntity],
        // fastapi-users' tables are changed by the two migrations only, never by synchronize.
        synchronize: false,
        migrations: [NestUsersTokenTable1764547200000, NestUsersSecurityStamp1764547200001],
        migrationsRun: true,
      }),
    }),
    UsersAuthModule.forRootAsync({
      backendNames: ['jwt', 'database'],
      imports: [ConfigModule, UsersAuthTypeOrmModule.forFeature(User), TypeOrmModule.forFeature([AccessTokenEntity])],
      inject: [ConfigService, getRepositoryToken(AccessTokenEntity)],
      useFactory: (config: ConfigService, tokens: Repository<AccessTokenEntity>) => ({
        backends: [
          // fastapi-users' JWTStrategy(secret=SECRET, lifetime_seconds=3600) behind the "jwt" backend: same secret,
          // same audience, so its tokens stay valid and it accepts ours. Its tokens carry no password fingerprint:
          // turn revokeOnPasswordChange back on once the last of them has expired.
          new JwtAuthentication({
            secret: config.getOrThrow<string>('SECRET'),
            lifetimeSeconds: 3600,
            audience: ['fastapi-users:auth'],
            revokeOnPasswordChange: false,
          }),
          // fastapi-users' DatabaseStrategy(lifetime_seconds=3600), its sessions moved by importFastApiUsersAccessTokens.
          new AuthenticationBackend({
            name: 'database',
            transport: new BearerTransport(),
            strategy: new DatabaseStrategy(tokens, { lifetimeSeconds: 3600 }),
          }),
        ],
        resetPasswordToken: { secret: config.getOrThrow<string>('RESET_PASSWORD_SECRET') },
        verifyToken: { secret: config.getOrThrow<string>('VERIFICATION_SECRET') },
      }),
    }),
  ],
})
export class AppModule {}
