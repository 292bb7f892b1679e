import { UsersAuthModule, type AuthenticationBackend } from '@nest-users/core';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { parseDatabaseUrl } from './database.config.js';

export interface SampleAppOptions {
  /** `sqlite:<file>` or `postgres://…` (see `parseDatabaseUrl`). */
  databaseUrl: string;
  /** Directory a relative SQLite path is resolved against. @default process.cwd() */
  baseDir?: string;
  jwtSecret: string;
  /** @default 'express' */
  platform?: 'express' | 'fastify';
  /** e.g. `'api'`: every route moves under `/api`, Swagger's token URL included; `/docs` stays put. */
  globalPrefix?: string;
  /** Adds the `redis` backend (`redis://…`). */
  redisUrl?: string;
  /** Replaces the default backends, e.g. to try another transport. */
  backends?: AuthenticationBackend[];
  /** @default true */
  logger?: boolean;
  /** The library's rate limits; `false` for load tests that send many requests from one address. @default true */
  rateLimit?: boolean;
}

/**
 * Builds the sample app with Swagger UI at `/docs` (JSON at `/docs-json`) and initializes it, without listening:
 * `main.ts` listens on `PORT`, tests call `listen(0)` or use `getHttpServer()`.
 */
export async function createSampleApp(options: SampleAppOptions): Promise<INestApplication> {
  const module = AppModule.forRoot({
    database: parseDatabaseUrl(options.databaseUrl, options.baseDir),
    jwtSecret: options.jwtSecret,
    redisUrl: options.redisUrl,
    backends: options.backends,
    rateLimit: options.rateLimit,
  });
  const logger = options.logger === false ? false : undefined;
  // Fastify: Nest's adapter parses the login form itself, so @fastify/formbody must not be registered too.
  const app =
    options.platform === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger })
      : await NestFactory.create(module, { logger });
  if (options.globalPrefix) app.setGlobalPrefix(options.globalPrefix);

  UsersAuthModule.setupSwagger(
    app,
    new DocumentBuilder()
      .setTitle('nest-users sample')
      .setDescription('Register, click Authorize (email as username), then try the notes.')
      .setVersion('0.1.0')
      .build(),
    'docs',
  );
  await app.init();
  if (options.platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}
