import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { setupSampleApp } from './app.setup.js';
import type { SampleEnv } from './config/sample-env.js';

const logger = new Logger('SampleApp');

async function bootstrap(): Promise<void> {
  // Fastify: Nest's adapter parses the login form itself, so @fastify/formbody must not be registered too.
  const app: INestApplication =
    process.env.PLATFORM === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter())
      : await NestFactory.create(AppModule);
  const config = app.get<ConfigService<SampleEnv, true>>(ConfigService);
  if (config.get('RATE_LIMIT', { infer: true }) === 'off') {
    logger.warn('RATE_LIMIT=off: login, register and the mail routes are not rate-limited.');
  }
  setupSampleApp(app);
  app.enableShutdownHooks();
  await app.listen(config.get('PORT', { infer: true }), config.get('HOST', { infer: true }));
  logger.log(`Listening on ${await app.getUrl()} — Swagger UI at /docs, OpenAPI JSON at /docs-json`);
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
