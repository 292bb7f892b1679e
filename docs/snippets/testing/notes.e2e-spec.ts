import { randomBytes } from 'node:crypto';
import { JwtAuthentication, UserManager, UserRepository, UsersAuthModule } from '@nest-users/core';
import { InMemoryUserRepository } from '@nest-users/testing';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { createTestDatabase, type TestDatabase } from '@nest-users/testing/typeorm';
import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { Entity } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotesController } from './notes.controller.js';

const backends = () => [new JwtAuthentication({ secret: randomBytes(32).toString('hex'), lifetimeSeconds: 300 })];

/** Registers a user through the app's own manager, logs in over HTTP as a client would, returns the token. */
async function tokenFor(app: INestApplication, email: string): Promise<string> {
  await app.get(UserManager).create({ email, password: 'correct horse battery' });
  const login = await request(app.getHttpServer())
    .post('/auth/jwt/login')
    .type('form')
    .send({ username: email, password: 'correct horse battery' })
    .expect(200);
  return login.body.access_token;
}

describe('NotesController, users in memory', () => {
  @Module({ providers: [{ provide: UserRepository, useFactory: () => new InMemoryUserRepository() }], exports: [UserRepository] })
  class InMemoryUsersModule {}

  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [UsersAuthModule.forRoot({ imports: [InMemoryUsersModule], backends: backends(), rateLimit: false })],
      controllers: [NotesController],
    }).compile();
    app = await moduleRef.createNestApplication().init();
  });
  afterAll(() => app?.close());

  it('answers the owner its notes, and strangers 401', async () => {
    const token = await tokenFor(app, 'ada@example.com');
    const notes = await request(app.getHttpServer()).get('/notes').auth(token, { type: 'bearer' }).expect(200);
    expect(notes.body).toEqual({ owner: 'ada@example.com', notes: [] });
    await request(app.getHttpServer()).get('/notes').expect(401);
  });
});

describe('NotesController, users in a real database', () => {
  @Entity('user')
  class User extends BaseUserEntityUUID {}

  let database: TestDatabase;
  let app: INestApplication;
  beforeAll(async () => {
    // A fresh SQLite file in a temp folder ('postgres': a private schema on TEST_POSTGRES_URL).
    database = await createTestDatabase('sqlite', { entities: [User] });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot(database.options),
        UsersAuthModule.forRoot({ imports: [UsersAuthTypeOrmModule.forFeature(User)], backends: backends(), rateLimit: false }),
      ],
      controllers: [NotesController],
    }).compile();
    app = await moduleRef.createNestApplication().init();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers the owner its notes', async () => {
    const token = await tokenFor(app, 'grace@example.com');
    await request(app.getHttpServer()).get('/notes').set('Authorization', `Bearer ${token}`).expect(200);
  });
});
