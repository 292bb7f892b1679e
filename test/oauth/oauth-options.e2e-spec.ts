import { randomBytes } from 'node:crypto';
import {
  GitHubClient,
  GoogleClient,
  JwtAuthentication,
  OidcClient,
  UsersAuthModule,
  type OAuthProviderOptions,
} from '@nest-users/core';
import { InMemoryUserRepository } from '@nest-users/testing';
import { UserRepository } from '@nest-users/core';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.fixture.js';

const SECRET = randomBytes(32).toString('hex');
const CLIENT = { clientId: 'options-app', clientSecret: 'options-secret' };
const REDIRECT = 'https://app.example.com/auth/idp/callback';

@Module({
  providers: [{ provide: UserRepository, useValue: new InMemoryUserRepository() }],
  exports: [UserRepository],
})
class MemoryUsers {}

let idp: TestOidcProvider;
let app: INestApplication | undefined;
beforeAll(async () => {
  idp = await startOidcProvider([{ ...CLIENT, redirectUris: [REDIRECT] }]);
});
afterAll(async () => idp?.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const client = () => new OidcClient({ issuer: idp.issuer, ...CLIENT, allowInsecureLoopback: true });
const provider = (extra: Partial<OAuthProviderOptions> = {}): OAuthProviderOptions => ({
  client: client(),
  name: 'idp',
  backend: 'jwt',
  redirectUrl: REDIRECT,
  ...extra,
});

async function boot(usersAuth: DynamicModule): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [usersAuth] }).compile();
  app = moduleRef.createNestApplication();
  await app.init();
  return app;
}

const forRoot = (oauth: unknown[], extra: Record<string, unknown> = {}) =>
  UsersAuthModule.forRoot({
    imports: [MemoryUsers],
    rateLimit: false,
    backends: [new JwtAuthentication({ secret: SECRET, lifetimeSeconds: 60 })],
    oauth: oauth as OAuthProviderOptions[],
    ...extra,
  });

describe('OAuth options', () => {
  it('forRootAsync: providers come from the factory, their names from `oauthNames`', async () => {
    const started = await boot(
      UsersAuthModule.forRootAsync({
        imports: [MemoryUsers],
        backendNames: ['jwt'],
        oauthNames: ['idp'],
        useFactory: async () => ({
          rateLimit: false,
          backends: [new JwtAuthentication({ secret: SECRET, lifetimeSeconds: 60 })],
          oauth: [provider()],
        }),
      }),
    );
    const response = await request(started.getHttpServer()).get('/auth/idp/authorize');
    expect(response.status).toBe(200);
    expect(new URL(response.body.authorization_url).origin).toBe(idp.issuer);
  });

  it('forRootAsync: a factory that returns providers `oauthNames` does not declare fails at startup', async () => {
    const definition = UsersAuthModule.forRootAsync({
      imports: [MemoryUsers],
      backendNames: ['jwt'],
      useFactory: () => ({ backends: [new JwtAuthentication({ secret: SECRET, lifetimeSeconds: 60 })], oauth: [provider()] }),
    });
    await expect(boot(definition)).rejects.toThrow(/oauthNames/);
  });

  it('mounts no OAuth route without providers', async () => {
    const started = await boot(forRoot([]));
    expect((await request(started.getHttpServer()).get('/auth/idp/authorize')).status).toBe(404);
  });

  it('answers 404 on the associate routes of a provider without associateRedirectUrl (401 before that)', async () => {
    const started = await boot(forRoot([provider()]));
    const server = started.getHttpServer();
    expect((await request(server).get('/auth/associate/idp/authorize')).status).toBe(401);
    await request(server).post('/auth/register').send({ email: 'ada@example.com', password: 'correct horse battery' });
    const login = await request(server)
      .post('/auth/jwt/login')
      .type('form')
      .send({ username: 'ada@example.com', password: 'correct horse battery' });
    const bearer = { Authorization: `Bearer ${login.body.access_token}` };
    expect((await request(server).get('/auth/associate/idp/authorize').set(bearer)).status).toBe(404);
    expect((await request(server).get('/auth/associate/idp/callback?state=x').set(bearer)).status).toBe(404);
  });

  it.each([
    ['an unknown key', () => [{ ...provider(), asociateByEmail: true }], /unknown option "asociateByEmail".*associateByEmail/],
    ['an unknown backend', () => [provider({ backend: 'cookie' })], /backend "cookie" does not exist/],
    ['a redirect URL with a query', () => [provider({ redirectUrl: `${REDIRECT}?next=/` })], /redirectUrl must be the absolute/],
    ['a relative redirect URL', () => [provider({ redirectUrl: '/auth/idp/callback' })], /redirectUrl must be the absolute/],
    ['two providers of one name', () => [provider(), provider()], /two providers are named "idp"/],
    ['the name "associate"', () => [provider({ name: 'associate' })], /"associate" is taken/],
    ['no client', () => [{ ...provider(), client: {} }], /client must be an OAuth client/],
  ])('refuses %s at startup', async (_, oauth, message) => {
    await expect(boot(forRoot(oauth()))).rejects.toThrow(message);
  });

  it('refuses `oauthNames` in forRoot, a `__Host-`/`__Secure-` cookie without Secure, and a short token key', async () => {
    expect(() => forRoot([provider()], { oauthNames: ['idp'] })).toThrow(/leave `oauthNames` to forRootAsync/);
    for (const cookieName of ['__Host-x', '__Secure-x']) {
      await expect(boot(forRoot([provider()], { oauthState: { cookieSecure: false, cookieName } }))).rejects.toThrow(
        `${cookieName} needs cookieSecure: true`,
      );
    }
    await expect(boot(forRoot([provider()], { oauthTokenKeys: ['short'] }))).rejects.toThrow(/shorter than 32/);
    expect(() => forRoot([provider()], { oauthState: { lifetime: 60 } })).toThrow(/unknown option "lifetime"/);
  });

  it('names Google and GitHub by default, and refuses clients without credentials or over plain http', () => {
    expect(new GoogleClient({ clientId: 'a', clientSecret: 'b' }).defaultName).toBe('google');
    expect(new GitHubClient({ clientId: 'a', clientSecret: 'b' }).defaultName).toBe('github');
    expect(() => new OidcClient({ issuer: idp.issuer, ...CLIENT })).toThrow(/must be https/);
    expect(() => new OidcClient({ issuer: 'http://idp.example.com', ...CLIENT, allowInsecureLoopback: true })).toThrow(
      /must be https/,
    );
    expect(() => new OidcClient({ issuer: 'https://idp.example.com', clientId: '', clientSecret: 'x' })).toThrow(/clientId/);
  });

  it('answers 400, not 500, when the provider cannot be reached', async () => {
    const down = new OidcClient({ issuer: 'http://127.0.0.1:9', ...CLIENT, allowInsecureLoopback: true, timeoutSeconds: 2 });
    const started = await boot(forRoot([provider({ client: down })]));
    const response = await request(started.getHttpServer()).get('/auth/idp/authorize');
    expect(response.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'unreachable' } });
  });
});
