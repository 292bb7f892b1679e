// src/notes.e2e-spec.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JwtAuthentication, UserRepository, UsersAuthModule } from '@nest-users/core';
import { InMemoryUserRepository } from '@nest-users/testing';
import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { NotesController } from './notes.controller.js';

@Module({ providers: [{ provide: UserRepository, useClass: InMemoryUserRepository }], exports: [UserRepository] })
class InMemoryUsersModule {}

let app: INestApplication;
before(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [
      UsersAuthModule.forRoot({
        imports: [InMemoryUsersModule],
        backends: [new JwtAuthentication({ secret: 'a test secret of 32 bytes or more', lifetimeSeconds: 60 })],
      }),
    ],
    controllers: [NotesController],
  }).compile();
  app = moduleRef.createNestApplication();
  await app.listen(0, '127.0.0.1');
});
after(() => app.close());

test('a registered user reads their notes', async () => {
  const url = await app.getUrl();
  const json = { 'Content-Type': 'application/json' };
  const credentials = { email: 'ada@example.com', password: 'correct horse' };
  await fetch(`${url}/auth/register`, { method: 'POST', headers: json, body: JSON.stringify(credentials) });
  const login = await fetch(`${url}/auth/jwt/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username: credentials.email, password: credentials.password }),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const notes = await fetch(`${url}/notes`, { headers: { Authorization: `Bearer ${access_token}` } });
  assert.deepEqual(await notes.json(), { owner: 'ada@example.com', notes: [] });
});
