import { randomBytes } from 'node:crypto';
import {
  AuthenticationBackend,
  CookieTransport,
  JwtAuthentication,
  JwtStrategy,
  OidcClient,
  UserManager,
  UsersAuthModule,
  type UsersAuthDtos,
  type UsersAuthRateLimitOptions,
} from '@nest-users/core';
import { createTestDatabase, type TestDatabaseKind } from '@nest-users/testing/typeorm';
import { OAuthAccountEntity, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module, type INestApplication } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { DataSource, Repository } from 'typeorm';
import { bootApp } from '../fixtures/boot-app.js';
import { ProbeController } from '../fixtures/probe.controller.js';
import { RecordingUserManager } from '../fixtures/recording-user-manager.js';
import { User } from '../fixtures/user.entity.js';
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.fixture.js';

export const APP_ORIGIN = 'https://app.example.com';
export const CLIENTS = {
  /** `oidc`: bearer backend, links by verified email, new users verified when the provider says so. */
  oidc: { clientId: 'nest-users-app', clientSecret: randomBytes(24).toString('hex') },
  /** `strict`: cookie backend, never links by email. */
  strict: { clientId: 'nest-users-strict', clientSecret: randomBytes(24).toString('hex') },
};
export const redirectUrl = (name: string) => `${APP_ORIGIN}/auth/${name}/callback`;
export const associateRedirectUrl = (name: string) => `${APP_ORIGIN}/auth/associate/${name}/callback`;

export interface OAuthTestApp {
  app: INestApplication;
  server: unknown;
  idp: TestOidcProvider;
  users: Repository<User>;
  accounts: Repository<OAuthAccountEntity>;
  manager: RecordingUserManager;
  secrets: { jwt: string; state: string; tokenKey: string };
  document: OpenAPIObject;
  close(): Promise<void>;
}

/** What a test may change of the module options (by default: no rate limits, the default DTOs). */
export interface OAuthTestAppOptions {
  dto?: UsersAuthDtos;
  rateLimit?: boolean | UsersAuthRateLimitOptions;
}

/** A real app (SQLite or PostgreSQL, Express or Fastify) with two providers on one real `oidc-provider`. */
export async function createOAuthTestApp(
  platform: 'express' | 'fastify',
  database: TestDatabaseKind = 'sqlite',
  { dto, rateLimit = false }: OAuthTestAppOptions = {},
): Promise<OAuthTestApp> {
  const idp = await startOidcProvider(
    Object.entries(CLIENTS).map(([name, client]) => ({
      ...client,
      redirectUris: [redirectUrl(name), associateRedirectUrl(name)],
    })),
  );
  const secrets = {
    jwt: randomBytes(32).toString('hex'),
    state: randomBytes(32).toString('hex'),
    tokenKey: randomBytes(32).toString('base64'),
  };
  const storage = await createTestDatabase(database, { entities: [User, OAuthAccountEntity], postgres: { connections: 10 } });
  const client = (name: keyof typeof CLIENTS) =>
    new OidcClient({ issuer: idp.issuer, ...CLIENTS[name], allowInsecureLoopback: true, timeoutSeconds: 5 });

  @Module({
    imports: [
      TypeOrmModule.forRoot(storage.options),
      UsersAuthModule.forRoot({
        imports: [UsersAuthTypeOrmModule.forFeature(User)],
        userManager: RecordingUserManager,
        rateLimit,
        ...(dto ? { dto } : {}),
        backends: [
          new JwtAuthentication({ secret: secrets.jwt, lifetimeSeconds: 3600 }),
          new AuthenticationBackend({
            name: 'cookie',
            transport: new CookieTransport({ cookieMaxAge: 3600 }),
            strategy: new JwtStrategy({ secret: `${secrets.jwt}:cookie`, lifetimeSeconds: 3600 }),
          }),
        ],
        oauth: [
          {
            client: client('oidc'),
            name: 'oidc',
            backend: 'jwt',
            redirectUrl: redirectUrl('oidc'),
            associateRedirectUrl: associateRedirectUrl('oidc'),
            associateByEmail: true,
            isVerifiedByDefault: true,
          },
          {
            client: client('strict'),
            name: 'strict',
            backend: 'cookie',
            redirectUrl: redirectUrl('strict'),
            associateRedirectUrl: associateRedirectUrl('strict'),
          },
        ],
        oauthState: { secret: secrets.state },
        oauthTokenKeys: [secrets.tokenKey],
      }),
    ],
    controllers: [ProbeController],
  })
  class AppModule {}

  const { app, document } = await bootApp(AppModule, platform);
  const dataSource = app.get<DataSource>(getDataSourceToken());
  return {
    app,
    server: app.getHttpServer(),
    idp,
    users: dataSource.getRepository(User),
    accounts: dataSource.getRepository(OAuthAccountEntity),
    manager: app.get(UserManager) as RecordingUserManager,
    secrets,
    document,
    close: async () => {
      await app.close();
      await idp.close();
      await storage.drop();
    },
  };
}
