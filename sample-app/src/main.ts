import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './app.factory.js';
import { DEFAULT_DATABASE_URL } from './database.config.js';
import { parseRateLimit } from './rate-limit.config.js';

// src/main.ts and dist/main.js both sit two levels below the repository root.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const logger = new Logger('SampleApp');

function jwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  logger.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!!  JWT_SECRET is not set: using a random secret for this process only.     !!',
      '!!  Every token becomes invalid on restart, and instances cannot share them. !!',
      '!!  Set one:  export JWT_SECRET=$(openssl rand -base64 32)                  !!',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    ].join('\n'),
  );
  return randomBytes(32).toString('base64url');
}

function rateLimit(): boolean {
  const on = parseRateLimit(process.env.RATE_LIMIT);
  if (!on) logger.warn('RATE_LIMIT=off: login, register and the mail routes are not rate-limited.');
  return on;
}

async function bootstrap(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not "${process.env.PORT}".`);

  const app = await createSampleApp({
    // The default is anchored at the repository root, so it is the same file whatever the working directory;
    // a relative path in DATABASE_URL is taken relative to the working directory, as shells expect.
    databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    baseDir: process.env.DATABASE_URL ? process.cwd() : REPO_ROOT,
    jwtSecret: jwtSecret(),
    platform: process.env.PLATFORM === 'fastify' ? 'fastify' : 'express',
    redisUrl: process.env.REDIS_URL || undefined,
    rateLimit: rateLimit(),
  });
  app.enableShutdownHooks();
  await app.listen(port, process.env.HOST ?? '0.0.0.0');
  logger.log(`Listening on ${await app.getUrl()} — Swagger UI at /docs, OpenAPI JSON at /docs-json`);
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
