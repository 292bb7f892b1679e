import { AuthenticationBackend, UsersAuthModule, type UsersAuthModuleExtras } from '@nest-users/core';
import { AccessTokenEntity, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module, type DynamicModule } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { RedisThrottlerStorage } from '@nest-users/redis';
import type { Redis } from 'ioredis';
import type { Repository } from 'typeorm';
import { AdminController } from './admin/admin.controller.js';
import { toTypeOrmOptions, type SampleDatabaseOptions } from './database.config.js';
import { HealthController } from './health/health.controller.js';
import { MailModule } from './mail/mailer.js';
import { REDIS_CLIENT, RedisModule } from './redis/redis.module.js';
import { createSampleBackends, sampleBackendNames } from './users/backends.js';
import { TokenPurgeService } from './users/token-purge.service.js';
import { Note } from './notes/note.entity.js';
import { NotesModule } from './notes/notes.module.js';
import { AppUserManager } from './users/app-user-manager.js';
import { SampleUserAdminUpdateDto, SampleUserCreateDto, SampleUserReadDto, SampleUserUpdateDto } from './users/user.dto.js';
import { User } from './users/user.entity.js';

export interface AppModuleConfig {
  database: SampleDatabaseOptions;
  /** HMAC secret of the default `jwt` backend (at least 32 bytes). */
  jwtSecret: string;
  /** Adds the `redis` backend. */
  redisUrl?: string;
  /** Replaces the default backends (`jwt`, `cookie`, `db`, `redis`), e.g. to try another transport. */
  backends?: AuthenticationBackend[];
  /** Mark auth cookies Secure. @default true */
  secureCookies?: boolean;
  /** The library's rate limits (shared through Redis when `redisUrl` is set). @default true */
  rateLimit?: boolean;
}

@Module({})
export class AppModule {
  static forRoot(config: AppModuleConfig): DynamicModule {
    const repository = UsersAuthTypeOrmModule.forFeature(User);
    const statics: UsersAuthModuleExtras = {
      userManager: AppUserManager,
      dto: {
        create: SampleUserCreateDto,
        update: SampleUserUpdateDto,
        adminUpdate: SampleUserAdminUpdateDto,
        read: SampleUserReadDto,
      },
    };
    const redis = config.redisUrl ? [RedisModule.forRoot(config.redisUrl)] : [];
    const usersAuth = config.backends
      ? UsersAuthModule.forRoot({
          ...statics,
          imports: [repository, MailModule],
          backends: config.backends,
          rateLimit: config.rateLimit ?? true,
        })
      : UsersAuthModule.forRootAsync({
          ...statics,
          // The stores are providers (a TypeORM repository, a Redis client), so the backends are built by a factory.
          backendNames: sampleBackendNames(Boolean(config.redisUrl)),
          imports: [repository, MailModule, TypeOrmModule.forFeature([AccessTokenEntity]), ...redis],
          inject: [getRepositoryToken(AccessTokenEntity), ...(config.redisUrl ? [REDIS_CLIENT] : [])],
          useFactory: (tokens: Repository<AccessTokenEntity>, client?: Redis) => ({
            backends: createSampleBackends({
              jwtSecret: config.jwtSecret,
              tokens,
              redis: client,
              secureCookies: config.secureCookies,
            }),
            // With Redis, every instance counts against the same limits.
            rateLimit: config.rateLimit === false ? false : { storage: client && new RedisThrottlerStorage(client) },
          }),
        });
    return {
      module: AppModule,
      imports: [
        // Fail fast when the database is unreachable at startup instead of retrying for half a minute.
        TypeOrmModule.forRoot({
          ...toTypeOrmOptions(config.database, [User, Note, AccessTokenEntity]),
          retryAttempts: 2,
          retryDelay: 1000,
        }),
        TypeOrmModule.forFeature([User, Note, AccessTokenEntity]),
        usersAuth,
        NotesModule,
      ],
      controllers: [HealthController, AdminController],
      providers: [
        {
          provide: TokenPurgeService,
          inject: [getRepositoryToken(AccessTokenEntity)],
          useFactory: (tokens: Repository<AccessTokenEntity>) => new TokenPurgeService(tokens),
        },
      ],
    };
  }
}
