/**
 * The bench app on nest-users: `@nest-users/core` + `@nest-users/typeorm` on SQLite, default configuration (the user
 * is loaded from the database on every request). Built packages, imported by name, as users get them.
 *
 * env: PORT (0), PLATFORM (express | fastify), DB_FILE (SQLite file, table already seeded),
 *      JWT_SECRETS (comma-separated, one per backend: `jwt`, `jwt2`, `jwt3`…), EXTRA_OPTIONS (JSON merged into the
 *      module options, e.g. a hashing cap when the library has one), SQLITE_WAL=1 (TypeORM's `enableWAL`, an app
 *      setting, for comparison only), SQLITE_CACHE_KIB (SQLite's page cache, `PRAGMA cache_size`, an app setting, for
 *      comparison only; SQLite's default is 2 MiB), BENCH_USER_ID (the user `GET /public-read` reads), RATE_LIMIT
 *      (`off`, as the runner sets it: the library's rate limits would refuse a load sent from one address).
 */
import 'reflect-metadata';
import { Authenticated, CurrentUser, JwtAuthentication, UsersAuthModule, type UsersAuthModuleOptions } from '@nest-users/core';
import { UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Controller, Get, Injectable, Module, UseGuards, type CanActivate, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BenchUser } from './bench-user.entity.js';
import { serve } from './serve.js';

const secrets = (process.env.JWT_SECRETS ?? '').split(',').filter(Boolean);
if (!secrets.length || !process.env.DB_FILE) throw new Error('JWT_SECRETS and DB_FILE are required');
const extraOptions = JSON.parse(process.env.EXTRA_OPTIONS || '{}') as Partial<UsersAuthModuleOptions>;

/** Does nothing, asynchronously: what any guard costs in Nest's pipeline, the ceiling for protected / public. */
@Injectable()
class NoopGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    return true;
  }
}

/** The one better-sqlite3 call `GET /public-read` makes. */
interface SqliteStatement {
  get(id: string): Record<string, unknown> | undefined;
}

@Controller()
class BenchController {
  private statement?: SqliteStatement;

  constructor(private readonly dataSource: DataSource) {}

  @Get('public')
  public() {
    return { ok: true };
  }

  @Get('guarded')
  @UseGuards(NoopGuard)
  guarded() {
    return { ok: true };
  }

  /**
   * Public, yet it reads the bench user's row by primary key with a statement prepared once on the app's own
   * better-sqlite3 connection, and returns it as `/protected` does: no authentication, only the database read
   * every request-authenticating design that loads the user must make. The ceiling for protected / public.
   */
  @Get('public-read')
  publicRead() {
    const connection = (this.dataSource.driver as unknown as { databaseConnection: { prepare(sql: string): SqliteStatement } })
      .databaseConnection;
    this.statement ??= connection.prepare('SELECT * FROM "user" WHERE "id" = ?');
    const { hashedPassword: _hash, ...visible } = this.statement.get(process.env.BENCH_USER_ID ?? '') ?? {};
    return visible;
  }

  @Get('protected')
  @Authenticated()
  me(@CurrentUser() user: BenchUser) {
    const { hashedPassword: _hash, ...visible } = user;
    return visible;
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: process.env.DB_FILE,
      entities: [BenchUser],
      synchronize: true,
      enableWAL: process.env.SQLITE_WAL === '1',
      prepareDatabase: (db: { pragma(statement: string): unknown }) => {
        if (process.env.SQLITE_CACHE_KIB) db.pragma(`cache_size = -${Number(process.env.SQLITE_CACHE_KIB)}`);
      },
    }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(BenchUser)],
      backends: secrets.map(
        (secret, index) => new JwtAuthentication({ secret, lifetimeSeconds: 3600, name: index ? `jwt${index + 1}` : 'jwt' }),
      ),
      rateLimit: process.env.RATE_LIMIT !== 'off',
      ...extraOptions,
    }),
  ],
  controllers: [BenchController],
})
class BenchModule {}

const app: INestApplication =
  process.env.PLATFORM === 'fastify'
    ? await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: ['error', 'warn'] })
    : await NestFactory.create(BenchModule, { logger: ['error', 'warn'] });
await serve(app);
