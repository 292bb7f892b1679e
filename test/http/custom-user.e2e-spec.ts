import { randomBytes } from 'node:crypto';
import { BackgroundTasks, JwtAuthentication, UserManager, UsersAuthModule } from '@nest-users/core';
import { createTestDatabase, type TestDatabase } from '@nest-users/testing/typeorm';
import { UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module, type INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, PASSWORD } from '../fixtures/http.js';
import { bootApp } from '../fixtures/boot-app.js';
import { Member, MemberCreateDto, MemberManager, MemberReadDto, MemberUpdateDto } from '../fixtures/member.js';

describe.each(['express', 'fastify'] as const)('custom user model: integer ids, own column and DTOs (%s)', (platform) => {
  let app: INestApplication;
  let server: unknown;
  let document: OpenAPIObject;
  let dataSource: DataSource;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite', { entities: [Member] });
    @Module({
      imports: [
        TypeOrmModule.forRoot(database.options),
        UsersAuthModule.forRoot({
          imports: [UsersAuthTypeOrmModule.forFeature(Member)],
          backends: [new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 600 })],
          userManager: MemberManager,
          dto: { create: MemberCreateDto, update: MemberUpdateDto, read: MemberReadDto },
          // Not a rate-limit suite: more registrations from 127.0.0.1 than a minute allows.
          rateLimit: false,
        }),
      ],
    })
    class MemberAppModule {}
    ({ app, document } = await bootApp(MemberAppModule, platform));
    server = app.getHttpServer();
    dataSource = app.get(getDataSourceToken());
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('validates, stores and answers the custom field', async () => {
    const missing = await request(server as never)
      .post('/auth/register')
      .send({ email: 'ann@example.com', password: PASSWORD });
    expect(missing.status).toBe(422);
    const tooLong = await request(server as never)
      .post('/auth/register')
      .send({ email: 'ann@example.com', password: PASSWORD, firstName: 'x'.repeat(51) });
    expect(tooLong.status).toBe(422);
    const created = await request(server as never)
      .post('/auth/register')
      .send({ email: 'ann@example.com', password: PASSWORD, firstName: 'Ann', isSuperuser: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(Number),
      email: 'ann@example.com',
      firstName: 'Ann',
      isSuperuser: false,
    });

    const token = await login(server, 'ann@example.com');
    const renamed = await request(server as never)
      .patch('/users/me')
      .set('Authorization', `Bearer ${token}`)
      .send({ firstName: 'Annie' });
    expect(renamed.body).toMatchObject({ id: created.body.id, firstName: 'Annie' });
    expect((await dataSource.getRepository(Member).findOneByOrFail({ id: created.body.id })).firstName).toBe('Annie');
  });

  it('parses integer ids on the superuser routes: unknown and malformed ids are 404', async () => {
    await request(server as never)
      .post('/auth/register')
      .send({ email: 'boss@example.com', password: PASSWORD, firstName: 'Boss' });
    await dataSource.getRepository(Member).update({ email: 'boss@example.com' }, { isSuperuser: true });
    const token = await login(server, 'boss@example.com');
    const ann = await dataSource.getRepository(Member).findOneByOrFail({ email: 'ann@example.com' });
    const found = await request(server as never)
      .get(`/users/${ann.id}`)
      .set('Authorization', `Bearer ${token}`);
    expect(found.body).toMatchObject({ id: ann.id, firstName: 'Annie' });
    for (const id of ['999999', '0', '-1', '1.5', 'abc', '00000000-0000-4000-8000-000000000000', '9'.repeat(30)]) {
      expect(
        (
          await request(server as never)
            .get(`/users/${id}`)
            .set('Authorization', `Bearer ${token}`)
        ).status,
        id,
      ).toBe(404);
    }
  });

  it('sends only what the read DTO declares, on every route that answers a user, honouring @Exclude and @Expose', async () => {
    const members = dataSource.getRepository(Member);
    const http = () => request(server as never);
    const declared = ['email', 'firstName', 'id', 'initial', 'isActive', 'isSuperuser', 'isVerified'];
    const expectDeclared = (response: request.Response, route: string) => {
      expect(response.status, `${route}: ${response.text}`).toBeLessThan(300);
      expect(Object.keys(response.body).sort(), route).toEqual(declared);
      expect(response.text, route).not.toMatch(/totp|JBSWY3DP|nickname|hashedPassword|securityStamp/);
    };

    const registered = await http()
      .post('/auth/register')
      .send({ email: 'tess@example.com', password: PASSWORD, firstName: 'Tess' });
    expectDeclared(registered, 'register');
    expect(registered.body.initial).toBe('T');
    await members.update({ email: 'tess@example.com' }, { totpSecret: 'JBSWY3DPEHPK3PXP', nickname: 'tt' });
    const token = await login(server, 'tess@example.com');
    const auth = { Authorization: `Bearer ${token}` };
    expectDeclared(await http().get('/users/me').set(auth), 'GET /users/me');
    const patched = await http().patch('/users/me').set(auth).send({ firstName: 'Teresa' });
    expectDeclared(patched, 'PATCH /users/me');
    expect(patched.body).toMatchObject({ firstName: 'Teresa', initial: 'T' });

    await http().post('/auth/request-verify-token').send({ email: 'tess@example.com' });
    await app.get(BackgroundTasks).drain();
    const verified = await http()
      .post('/auth/verify')
      .send({ token: (app.get(UserManager) as MemberManager).verifyToken });
    expectDeclared(verified, 'verify');
    expect(verified.body.isVerified).toBe(true);

    await http().post('/auth/register').send({ email: 'root@example.com', password: PASSWORD, firstName: 'Root' });
    await members.update({ email: 'root@example.com' }, { isSuperuser: true });
    const root = { Authorization: `Bearer ${await login(server, 'root@example.com')}` };
    const tess = await members.findOneByOrFail({ email: 'tess@example.com' });
    expectDeclared(await http().get(`/users/${tess.id}`).set(root), 'GET /users/{id}');
    expectDeclared(await http().patch(`/users/${tess.id}`).set(root).send({ isVerified: false }), 'PATCH /users/{id}');
    expect((await members.findOneByOrFail({ id: tess.id })).totpSecret).toBe('JBSWY3DPEHPK3PXP');
  });

  it('documents the custom DTOs in Swagger', () => {
    const schemas = document.components!.schemas!;
    expect(JSON.stringify(schemas.MemberCreateDto)).toContain('firstName');
    expect((schemas.MemberCreateDto as { required: string[] }).required).toEqual(
      expect.arrayContaining(['email', 'password', 'firstName']),
    );
    expect(JSON.stringify(document.paths['/auth/register']!.post!.requestBody)).toContain('MemberCreateDto');
    expect(JSON.stringify(document.paths['/users/me']!.patch!.requestBody)).toContain('MemberUpdateDto');
    expect(JSON.stringify(document.paths['/users/me']!.get!.responses['200'])).toContain('MemberReadDto');
  });
});
