import { UsersAuthModule, UsersAuthValidationPipe } from '@nest-users/core';
import { RedisThrottlerStorage } from '@nest-users/redis';
import { AccessTokenEntity, OAuthAccountEntity, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { AdminController } from './admin/admin.controller.js';
import { validateSampleEnv, type SampleEnv } from './config/sample-env.js';
import { parseDatabaseUrl, toTypeOrmOptions } from './database.config.js';
import { HealthController } from './health/health.controller.js';
import { MailModule } from './mail/mailer.js';
import { Note } from './notes/note.entity.js';
import { NotesModule } from './notes/notes.module.js';
import { REDIS_CLIENT, RedisModule } from './redis/redis.module.js';
import { AppUserManager } from './users/app-user-manager.js';
import { SampleBackends, sampleBackendNames } from './users/backends.js';
import { LoginPageController } from './oauth/login-page.controller.js';
import { sampleOAuthNames, sampleOAuthProviders } from './oauth/oauth.config.js';
import { TokenPurgeService } from './users/token-purge.service.js';
import { SampleUserAdminUpdateDto, SampleUserCreateDto, SampleUserReadDto, SampleUserUpdateDto } from './users/user.dto.js';
import { User } from './users/user.entity.js';

const ENTITIES = [User, Note, AccessTokenEntity, OAuthAccountEntity];

/** What the backends are built from: the token table and the Redis client (`null` without REDIS_URL). */
@Module({
  imports: [TypeOrmModule.forFeature([AccessTokenEntity]), RedisModule],
  providers: [SampleBackends],
  exports: [SampleBackends, RedisModule],
})
class AuthStoresModule {}

/**
 * The whole app from its environment (and `.env`), checked at startup by `validateSampleEnv`. Tests build it with
 * `Test.createTestingModule({ imports: [AppModule] }).overrideProvider(ConfigService)`, like any Nest app.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, validate: validateSampleEnv }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<SampleEnv, true>) => ({
        ...toTypeOrmOptions(parseDatabaseUrl(config.get('DATABASE_URL', { infer: true })), ENTITIES),
        // Fail fast when the database is unreachable at startup instead of retrying for half a minute.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
    TypeOrmModule.forFeature(ENTITIES),
    // Backend names become routes and passport strategies, so they are fixed once the environment is loaded;
    // everything else (secrets, stores, limits) comes from ConfigService through the factory.
    ConfigModule.envVariablesLoaded.then(() =>
      UsersAuthModule.forRootAsync({
        backendNames: sampleBackendNames(Boolean(process.env.REDIS_URL)),
        oauthNames: sampleOAuthNames(process.env),
        userManager: AppUserManager,
        dto: {
          create: SampleUserCreateDto,
          update: SampleUserUpdateDto,
          adminUpdate: SampleUserAdminUpdateDto,
          read: SampleUserReadDto,
        },
        imports: [UsersAuthTypeOrmModule.forFeature(User), MailModule, AuthStoresModule],
        inject: [ConfigService, SampleBackends, REDIS_CLIENT],
        useFactory: (config: ConfigService<SampleEnv, true>, backends: SampleBackends, redis: Redis | null) => ({
          backends: backends.create(),
          oauth: sampleOAuthProviders({
            OIDC_ISSUER: config.get('OIDC_ISSUER', { infer: true }),
            OIDC_CLIENT_ID: config.get('OIDC_CLIENT_ID', { infer: true }),
            OIDC_CLIENT_SECRET: config.get('OIDC_CLIENT_SECRET', { infer: true }),
            PUBLIC_URL: config.get('PUBLIC_URL', { infer: true }),
          }),
          // On by default; with Redis, every instance counts against the same limits.
          rateLimit:
            config.get('RATE_LIMIT', { infer: true }) === 'off'
              ? false
              : { storage: redis ? new RedisThrottlerStorage(redis) : undefined },
        }),
      }),
    ),
    // GraphQL at /graphql (code first). The guard reads the tokens from the context's `req`: Apollo hands Express
    // `{ req, res }`, Fastify the request itself.
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      context: (first: { req?: unknown }) => ({ req: first.req ?? first }),
    }),
    NotesModule,
  ],
  controllers: [HealthController, AdminController, LoginPageController],
  providers: [
    // The library's own rules for every body of the app: whitelist, 422 `{detail}`, bounded depth, no NUL.
    { provide: APP_PIPE, useFactory: () => new UsersAuthValidationPipe() },
    TokenPurgeService,
  ],
})
export class AppModule {}
