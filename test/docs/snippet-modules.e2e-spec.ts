// The docs' modules compile (npm run typecheck); here those that need no outside service also boot and do what
// the page around them says, each on a fresh SQLite file in a temp folder (the snippets write app.sqlite).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtAuthentication, UserManager, UserRepository, UsersAuthModule, type UserProtocol } from '@nest-users/core';
import { InMemoryUserRepository } from '@nest-users/testing';
import { Module, ValidationPipe, type INestApplication, type Type } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';

const cwd = process.cwd();
let dir: string | undefined;
let app: INestApplication | undefined;
const password = 'correct horse battery';

beforeAll(() => {
  process.env.JWT_SECRET = randomBytes(32).toString('hex');
});
/** Closes the app and removes its folder; a test that boots several snippets calls it between them. */
async function reset(): Promise<void> {
  await app?.close();
  app = undefined;
  process.chdir(cwd);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
afterEach(reset);
afterAll(() => process.chdir(cwd));

async function boot(module: Type<unknown>): Promise<ReturnType<typeof request>> {
  dir = mkdtempSync(join(tmpdir(), 'docs-snippet-'));
  process.chdir(dir);
  const moduleRef = await Test.createTestingModule({ imports: [module] }).compile();
  app = await moduleRef.createNestApplication().init();
  return request(app.getHttpServer());
}

const register = (http: ReturnType<typeof request>, body: object, path = '/auth/register') => http.post(path).send(body);
const login = (http: ReturnType<typeof request>, backend: string, email: string) =>
  http.post(`/auth/${backend}/login`).type('form').send({ username: email, password });

it('configuration/overview: register and log in', async () => {
  const { AppModule } = await import('../../docs/snippets/configuration/overview.js');
  const http = await boot(AppModule);
  await register(http, { email: 'ada@example.com', password }).expect(201);
  expect((await login(http, 'jwt', 'ada@example.com').expect(200)).body.token_type).toBe('bearer');
});

it('configuration/user-manager: the password policy answers its reason, the delete hook refuses superusers', async () => {
  const { AppModule } = await import('../../docs/snippets/configuration/user-manager.js');
  const http = await boot(AppModule);
  const refused = await register(http, { email: 'ada@example.com', password: 'ADA-is-my-password' }).expect(400);
  expect(refused.body.detail).toEqual({ code: 'REGISTER_INVALID_PASSWORD', reason: 'Password should not contain the email' });
  const users = app!.get<UserManager<UserProtocol<string>, string>>(UserManager);
  const root = await users.create({ email: 'root@example.com', password, isSuperuser: true });
  const token = (await login(http, 'jwt', 'root@example.com').expect(200)).body.access_token;
  const answer = await http.delete(`/users/${root.id}`).auth(token, { type: 'bearer' }).expect(409);
  expect(answer.body).toEqual({ statusCode: 409, detail: 'SUPERUSER_NOT_DELETABLE' });
});

it('configuration/dtos: custom fields are validated, answered as the read DTO declares, null refused where it means nothing', async () => {
  const { AppModule } = await import('../../docs/snippets/configuration/dtos.js');
  const http = await boot(AppModule);
  const created = await register(http, { email: 'ada@example.com', password, locale: 'fr' }).expect(201);
  expect(created.body).toMatchObject({ email: 'ada@example.com', locale: 'fr', nickname: null });
  expect(created.body).not.toHaveProperty('totpSecret');
  await register(http, { email: 'bob@example.com', password, locale: null }).expect(422);
  const token = (await login(http, 'jwt', 'ada@example.com').expect(200)).body.access_token;
  const patched = await http.patch('/users/me').auth(token, { type: 'bearer' }).send({ nickname: 'Ada' }).expect(200);
  expect(patched.body.nickname).toBe('Ada');
  await http.patch('/users/me').auth(token, { type: 'bearer' }).send({ nickname: null }).expect(200);
});

it('configuration/global-pipe: a stock global ValidationPipe answers before the library; UsersAuthValidationPipe keeps 422', async () => {
  // What the DTOs page warns about: Nest runs the app's global pipe first, so a stock ValidationPipe answers an
  // invalid forgot-password or login body with its own 400 before the library's pipe sees it.
  @Module({ providers: [{ provide: UserRepository, useFactory: () => new InMemoryUserRepository() }], exports: [UserRepository] })
  class Users {}
  @Module({
    imports: [
      UsersAuthModule.forRoot({
        imports: [Users],
        backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 60 })],
      }),
    ],
    providers: [{ provide: APP_PIPE, useFactory: () => new ValidationPipe() }],
  })
  class StockPipeModule {}
  const stock = await boot(StockPipeModule);
  const refused = await stock.post('/auth/forgot-password').send({ email: 5 }).expect(400);
  expect(refused.body).not.toHaveProperty('detail');
  await stock.post('/auth/jwt/login').send({ username: 5, password }).expect(400);
  await reset();

  const { AppModule } = await import('../../docs/snippets/configuration/global-pipe.js');
  const http = await boot(AppModule);
  const invalid = await http.post('/auth/forgot-password').send({ email: 5 }).expect(422);
  expect(invalid.body.detail[0].loc).toEqual(['body', 'email']);
  await http.post('/auth/jwt/login').send({ username: 5, password }).expect(422);
  await register(http, { email: 'ada@example.com', password, isSuperuser: true }).expect(201);
  expect((await login(http, 'jwt', 'ada@example.com').expect(200)).body.token_type).toBe('bearer');
});

it('configuration/databases/sqlite and own-adapter: users are stored', async () => {
  for (const load of [
    () => import('../../docs/snippets/configuration/databases/sqlite.js'),
    () => import('../../docs/snippets/configuration/databases/own-adapter/module.js'),
  ]) {
    const http = await boot((await load()).AppModule);
    await register(http, { email: 'ada@example.com', password }).expect(201);
    await register(http, { email: 'ADA@example.com', password }).expect(400, {
      statusCode: 400,
      detail: 'REGISTER_USER_ALREADY_EXISTS',
    });
    await reset();
  }
});

it('configuration/authentication/backends: the jwt and db backends log in, the cookie one sets its cookie', async () => {
  const { AppModule } = await import('../../docs/snippets/configuration/authentication/backends.js');
  const http = await boot(AppModule);
  await register(http, { email: 'ada@example.com', password }).expect(201);
  for (const backend of ['jwt', 'db']) {
    const token = (await login(http, backend, 'ada@example.com').expect(200)).body.access_token;
    await http.get('/users/me').auth(token, { type: 'bearer' }).expect(200);
  }
  const cookie = await login(http, 'cookie', 'ada@example.com').set('Sec-Fetch-Site', 'same-origin').expect(204);
  expect(String(cookie.headers['set-cookie'])).toMatch(/^__Host-nest-users-auth=/);
});

it('usage/current-user: required, optional and @Public() routes', async () => {
  const { NotesController, FeedController, HealthController } = await import('../../docs/snippets/usage/current-user.js');
  @Module({ providers: [{ provide: UserRepository, useFactory: () => new InMemoryUserRepository() }], exports: [UserRepository] })
  class Users {}
  @Module({
    imports: [
      UsersAuthModule.forRoot({
        imports: [Users],
        backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 60 })],
      }),
    ],
    controllers: [NotesController, FeedController, HealthController],
  })
  class AppModule {}
  const http = await boot(AppModule);
  await http.get('/notes').expect(401);
  await http.get('/feed').expect(200, { personalized: false });
  await http.get('/health').expect(200);
  await register(http, { email: 'ada@example.com', password }).expect(201);
  const token = (await login(http, 'jwt', 'ada@example.com').expect(200)).body.access_token;
  await http.get('/notes/email').auth(token, { type: 'bearer' }).expect(200, { email: 'ada@example.com' });
  await http.get('/notes/verified').auth(token, { type: 'bearer' }).expect(403);
  await http.get('/notes/admin').auth(token, { type: 'bearer' }).expect(403);
  await http.get('/feed').auth(token, { type: 'bearer' }).expect(200, { personalized: true });
  await http.get('/feed/passport').auth(token, { type: 'bearer' }).expect(200);
});

it('usage/global-guard: every route is protected unless @Public(), relaxing is explicit', async () => {
  const { AppModule } = await import('../../docs/snippets/usage/global-guard.js');
  const http = await boot(AppModule);
  await http.get('/status').expect(200);
  await http.get('/profile').expect(401);
  await register(http, { email: 'ada@example.com', password }).expect(201);
  const token = (await login(http, 'jwt', 'ada@example.com').expect(200)).body.access_token;
  await http.get('/profile').auth(token, { type: 'bearer' }).expect(403);
  await http.get('/welcome').auth(token, { type: 'bearer' }).expect(200, { verified: false });
});

it('usage/routes: groups move and turn off', async () => {
  const { AppModule } = await import('../../docs/snippets/usage/routes.js');
  const http = await boot(AppModule);
  await register(http, { email: 'ada@example.com', password }, '/auth/register').expect(404);
  await register(http, { email: 'ada@example.com', password }, '/account/register').expect(201);
  const token = (await http.post('/account/jwt/login').type('form').send({ username: 'ada@example.com', password }).expect(200))
    .body.access_token;
  await http.get('/people/me').auth(token, { type: 'bearer' }).expect(200);
  await http.post('/account/password/forgot-password').send({ email: 'ada@example.com' }).expect(202);
  await http.post('/account/request-verify-token').send({ email: 'ada@example.com' }).expect(404);
});

it('cookbook/custom-fields and configuration/dtos: every custom field has its schema type, no request field a default', async () => {
  // What generated clients (openapi-typescript) read: a union reflected as Object would be documented as a bare
  // object, and a request property with a default would be typed as required.
  type Schema = { type?: string; nullable?: boolean; default?: unknown; enum?: unknown[] };
  const schemas = async (load: () => Promise<{ AppModule: Type<unknown> }>) => {
    await boot((await load()).AppModule);
    const document = SwaggerModule.createDocument(app!, new DocumentBuilder().build());
    await reset();
    return document.components!.schemas as Record<string, { properties: Record<string, Schema> }>;
  };
  const fields = await schemas(() => import('../../docs/snippets/cookbook/custom-fields.js'));
  for (const dto of ['AppUserCreateDto', 'AppUserUpdateDto', 'AppUserAdminUpdateDto', 'AppUserReadDto']) {
    expect(fields[dto]!.properties.displayName, dto).toMatchObject({ type: 'string', nullable: true });
  }
  const dtos = await schemas(() => import('../../docs/snippets/configuration/dtos.js'));
  expect(dtos.AppUserUpdateDto!.properties.nickname).toMatchObject({ type: 'string', nullable: true });
  expect(dtos.AppUserCreateDto!.properties.locale).toMatchObject({ type: 'string', enum: ['en', 'fr', 'de'] });
  for (const dto of ['AppUserCreateDto', 'AppUserUpdateDto', 'AppUserAdminUpdateDto']) {
    for (const source of [fields, dtos]) {
      const withDefault = Object.entries(source[dto]!.properties).filter(([, property]) => 'default' in property);
      expect(withDefault.map(([name]) => `${dto}.${name}`)).toEqual([]);
    }
  }
});

it('cookbook/custom-fields, emails and integer-ids', async () => {
  const fields = await boot((await import('../../docs/snippets/cookbook/custom-fields.js')).AppModule);
  const created = await register(fields, { email: 'ada@example.com', password, displayName: 'Ada' }).expect(201);
  expect(created.body.displayName).toBe('Ada');
  await reset();

  const emails = await boot((await import('../../docs/snippets/cookbook/emails.js')).AppModule);
  await register(emails, { email: 'ada@example.com', password }).expect(201);
  await reset();

  const ints = await boot((await import('../../docs/snippets/cookbook/integer-ids.js')).AppModule);
  expect((await register(ints, { email: 'ada@example.com', password }).expect(201)).body.id).toBe(1);
  const token = (await login(ints, 'jwt', 'ada@example.com').expect(200)).body.access_token;
  await ints.get('/users/me').auth(token, { type: 'bearer' }).expect(200);
});
