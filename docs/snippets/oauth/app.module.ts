import {
  AuthenticationBackend,
  CookieTransport,
  GitHubClient,
  JwtAuthentication,
  JwtStrategy,
  OidcClient,
  UsersAuthModule,
} from '@nest-users/core';
import { BaseUserEntityUUID, OAuthAccountEntity, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

const env = (name: string) => process.env[name]!;

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: 'app.sqlite',
      // The linked provider accounts live in their own table.
      entities: [User, OAuthAccountEntity],
      synchronize: true,
    }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [
        new JwtAuthentication({ secret: env('JWT_SECRET'), lifetimeSeconds: 3600 }),
        new AuthenticationBackend({
          name: 'cookie',
          transport: new CookieTransport({ cookieMaxAge: 3600 }),
          strategy: new JwtStrategy({ secret: env('COOKIE_SECRET'), lifetimeSeconds: 3600 }),
        }),
      ],
      oauth: [
        {
          // Any OpenID Connect provider, by discovery: Google, Microsoft, Keycloak, Auth0, GitLab…
          client: new OidcClient({
            issuer: 'https://accounts.google.com',
            clientId: env('GOOGLE_CLIENT_ID'),
            clientSecret: env('GOOGLE_CLIENT_SECRET'),
          }),
          name: 'google',
          backend: 'cookie',
          redirectUrl: 'https://app.example.com/auth/google/callback',
          associateRedirectUrl: 'https://app.example.com/auth/associate/google/callback',
          // Google verifies emails: link to an existing account with the same (verified) email.
          associateByEmail: true,
          isVerifiedByDefault: true,
        },
        {
          client: new GitHubClient({ clientId: env('GITHUB_CLIENT_ID'), clientSecret: env('GITHUB_CLIENT_SECRET') }),
          backend: 'jwt',
          redirectUrl: 'https://app.example.com/auth/github/callback',
        },
      ],
      // Keep the providers' tokens (encrypted) to call their APIs later; without keys they are not stored.
      oauthTokenKeys: [env('OAUTH_TOKEN_KEY')],
    }),
  ],
})
export class AppModule {}
