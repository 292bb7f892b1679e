import { UserAdminUpdateDto, UserCreateDto, UserUpdateDto } from '@nest-users/core';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, login, PASSWORD, register } from '../fixtures/http.js';
import { captureOutput } from '../fixtures/output.js';
import { createTestApp, POSTGRES_URL, type Database, type Platform, type TestApp } from '../fixtures/test-app.js';

const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

// The app's own DTOs, as an app declares them: `firstName` is a nullable column that users may clear with null.
class FirstNameCreateDto extends UserCreateDto {
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  firstName?: string | null;
}
class FirstNameUpdateDto extends UserUpdateDto {
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  firstName?: string | null;
}
class FirstNameAdminUpdateDto extends UserAdminUpdateDto {
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  firstName?: string | null;
}

const variants: Array<[Platform, Database]> = [
  ['express', 'sqlite'],
  ['fastify', 'sqlite'],
  ['express', 'postgres'],
  ['fastify', 'postgres'],
];
if (!POSTGRES_URL) console.warn('bad-input: the PostgreSQL variants are skipped: TEST_POSTGRES_URL is not set.');

describe.each(variants)(
  'bad input gets a clear 4xx, never a 500, and no log line holds a secret (%s, %s)',
  (platform, database) => {
    let t: TestApp;
    let http: () => ReturnType<typeof request>;
    let rowsBefore: number;
    let output: ReturnType<typeof captureOutput>;
    let ownerToken: string;
    let adminToken: string;
    let ownerId: string;
    const skip = database === 'postgres' && !POSTGRES_URL;

    beforeAll(async () => {
      if (skip) return;
      t = await createTestApp({
        platform,
        database,
        dto: { create: FirstNameCreateDto, update: FirstNameUpdateDto, adminUpdate: FirstNameAdminUpdateDto },
      });
      http = () => request(t.server as never);
      ownerId = (await register(t.server, 'owner@example.com')).id as string;
      await register(t.server, 'admin@example.com');
      await t.users.update({ email: 'admin@example.com' }, { isSuperuser: true });
      ownerToken = await login(t.server, 'owner@example.com');
      adminToken = await login(t.server, 'admin@example.com');
      rowsBefore = await t.users.count();
      output = captureOutput();
    });
    afterAll(async () => {
      if (skip) return;
      output.stop();
      // Nothing below may have created, lost or changed a row.
      expect(await t.users.count()).toBe(rowsBefore);
      // No log line may hold a password, a password hash or a token, whatever the input did.
      const logged = output.text();
      const hashes = (await t.users.find()).map((user) => user.hashedPassword);
      for (const secret of [PASSWORD, ownerToken, adminToken, ...hashes]) expect(logged).not.toContain(secret);
      expect(logged).not.toMatch(/\$argon2|\$2b\$/);
      await t?.close();
    });

    const expectValidationError = (response: request.Response, field?: string) => {
      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.body.statusCode).toBe(422);
      expect(Array.isArray(response.body.detail)).toBe(true);
      if (field) expect(response.body.detail.map((issue: { loc: string[] }) => issue.loc.at(-1))).toContain(field);
      expectNoSecrets(response.body);
      expect(JSON.stringify(response.body)).not.toContain(PASSWORD);
    };

    it.skipIf(skip)('login: missing fields, wrong types, operator injection → 422 naming the field', async () => {
      expectValidationError(await http().post('/auth/jwt/login').type('form').send('username=owner@example.com'), 'password');
      expectValidationError(await http().post('/auth/jwt/login').type('form').send(`password=${PASSWORD}`), 'username');
      expectValidationError(
        await http().post('/auth/jwt/login').type('form').send('username[$ne]=x&password[$ne]=x'),
        'username',
      );
      expectValidationError(
        await http()
          .post('/auth/jwt/login')
          .send({ username: { $gt: '' }, password: { $gt: '' } }),
        'username',
      );
      expectValidationError(
        await http()
          .post('/auth/jwt/login')
          .send({ username: 1, password: ['a'] }),
        'username',
      );
      expectValidationError(
        await http().post('/auth/jwt/login').send({ username: 'owner@example.com', password: null }),
        'password',
      );
      expectValidationError(
        await http()
          .post('/auth/jwt/login')
          .send([{ username: 'owner@example.com', password: PASSWORD }]),
      );
      expectValidationError(await http().post('/auth/jwt/login'));
    });

    it.skipIf(skip)('register: bad emails and wrong types → 422', async () => {
      for (const email of [
        'a@b',
        'a@@b.io',
        'x@a.io,v@b.io',
        '<script>@x.io',
        'a'.repeat(321) + '@x.io',
        ' owner2@example.com',
        null,
        42,
        ['a@b.io'],
        { $gt: '' },
      ]) {
        expectValidationError(await http().post('/auth/register').send({ email, password: PASSWORD }), 'email');
      }
      for (const password of [null, 42, ['x'.repeat(10)], { a: 1 }]) {
        expectValidationError(await http().post('/auth/register').send({ email: 'new@example.com', password }), 'password');
      }
    });

    it.skipIf(skip)('refuses bodies of another media type with 415', async () => {
      const json = JSON.stringify({ email: 'plain@example.com', password: PASSWORD });
      const plain = await http().post('/auth/register').set('Content-Type', 'text/plain').send(json);
      expect(plain.status).toBe(415);
      expect(plain.body).toEqual({ statusCode: 415, detail: 'Unsupported Media Type' });
      expect((await http().post('/auth/register').type('form').send('email=form@example.com&password=xxxxxxxxxx')).status).toBe(
        415,
      );
      expect((await http().post('/auth/jwt/login').set('Content-Type', 'text/plain').send('username=a&password=b')).status).toBe(
        415,
      );
    });

    it.skipIf(skip)('answers malformed JSON with 400 in the contract shape, quoting nothing, on every route', async () => {
      const secret = 'hunter2-is-my-password';
      const bodies = [
        `{"email": "a@b.io", "password": "${secret}`,
        `{"password": ${secret}}`,
        `{"username": "a@b.io", "password": "${secret}" x}`,
      ];
      // The body parser is app-wide: the library's routes, the app's own and unknown paths answer alike.
      for (const path of ['/auth/register', '/auth/jwt/login', '/users/me', '/probe/public', '/no-such-route']) {
        for (const body of bodies) {
          const response = await http()
            .post(path)
            .set('Authorization', `Bearer ${ownerToken}`)
            .set('Content-Type', 'application/json')
            .send(body);
          expect(response.body, `${path} ${body}`).toEqual({ statusCode: 400, detail: 'Malformed JSON' });
          expect(response.text).not.toContain('hunter2');
        }
      }
    });

    it.skipIf(skip)('refuses huge and deeply nested bodies with 4xx in the contract shape', async () => {
      const huge = await http()
        .post('/auth/register')
        .send({ email: 'huge@example.com', password: 'x'.repeat(1_100_000) });
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ statusCode: 413, detail: expect.any(String) });
      const hugeForm = await http()
        .post('/auth/jwt/login')
        .type('form')
        .send(`username=a&password=${'x'.repeat(1_100_000)}`);
      expect(hugeForm.status).toBe(413);
      expect(hugeForm.body).toEqual(huge.body);
      expectValidationError(
        await http()
          .post('/auth/register')
          .set('Content-Type', 'application/json')
          .send('['.repeat(10_000) + ']'.repeat(10_000)),
      );
      expectValidationError(
        await http()
          .post('/auth/register')
          .set('Content-Type', 'application/json')
          .send(`{"email":"deep@example.com","password":${nested(5_000)}}`),
      );
    });

    it.skipIf(skip)(
      'null in an optional field of the library is 422 on register, PATCH /users/me and PATCH /users/{id}',
      async () => {
        const before = await t.users.findOneByOrFail({ email: 'owner@example.com' });
        const me = (body: object) => http().patch('/users/me').set('Authorization', `Bearer ${ownerToken}`).send(body);
        const admin = (body: object) => http().patch(`/users/${ownerId}`).set('Authorization', `Bearer ${adminToken}`).send(body);
        for (const field of ['email', 'password', 'currentPassword']) {
          expectValidationError(await me({ [field]: null }), field);
          expectValidationError(await me({ password: 'another long secret', currentPassword: PASSWORD, [field]: null }), field);
        }
        for (const field of ['email', 'password', 'isActive', 'isSuperuser', 'isVerified'])
          expectValidationError(await admin({ [field]: null }), field);
        for (const field of ['email', 'password'])
          expectValidationError(
            await http()
              .post('/auth/register')
              .send({ email: 'n@example.com', password: PASSWORD, [field]: null }),
            field,
          );
        expect(await t.users.findOneByOrFail({ email: 'owner@example.com' })).toEqual(before);
      },
    );

    it.skipIf(skip)('null in a nullable field of the app is a value: it is stored, and clears the field', async () => {
      const named = await http().patch('/users/me').set('Authorization', `Bearer ${ownerToken}`).send({ firstName: 'Olga' });
      expect(named.status, JSON.stringify(named.body)).toBe(200);
      const cleared = await http().patch('/users/me').set('Authorization', `Bearer ${ownerToken}`).send({ firstName: null });
      expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
      expect((await t.users.findOneByOrFail({ email: 'owner@example.com' })).firstName).toBeNull();
      expect(
        (await http().patch(`/users/${ownerId}`).set('Authorization', `Bearer ${adminToken}`).send({ firstName: null })).status,
      ).toBe(200);
    });

    it.skipIf(skip)('a NUL character in any string field is 422, on every route that takes a body', async () => {
      const nul = (text: string) => `${text.slice(0, 2)}\u0000${text.slice(2)}`;
      const cases: Array<[string, () => request.Test, string]> = [
        [
          'register email',
          () =>
            http()
              .post('/auth/register')
              .send({ email: nul('new@example.com'), password: PASSWORD }),
          'email',
        ],
        [
          'register password',
          () =>
            http()
              .post('/auth/register')
              .send({ email: 'new@example.com', password: nul(PASSWORD) }),
          'password',
        ],
        [
          'register custom field',
          () =>
            http()
              .post('/auth/register')
              .send({ email: 'new@example.com', password: PASSWORD, firstName: nul('Nadia') }),
          'firstName',
        ],
        [
          'login username (form)',
          () =>
            http()
              .post('/auth/jwt/login')
              .type('form')
              .send({ username: nul('owner@example.com'), password: PASSWORD }),
          'username',
        ],
        [
          'login password (JSON)',
          () =>
            http()
              .post('/auth/jwt/login')
              .send({ username: 'owner@example.com', password: nul(PASSWORD) }),
          'password',
        ],
        [
          'login OAuth2 extra',
          () =>
            http()
              .post('/auth/jwt/login')
              .type('form')
              .send({ username: 'owner@example.com', password: PASSWORD, scope: nul('read') }),
          'scope',
        ],
        [
          'PATCH /users/me custom field',
          () =>
            http()
              .patch('/users/me')
              .set('Authorization', `Bearer ${ownerToken}`)
              .send({ firstName: nul('Olga') }),
          'firstName',
        ],
        [
          'PATCH /users/me email',
          () =>
            http()
              .patch('/users/me')
              .set('Authorization', `Bearer ${ownerToken}`)
              .send({ email: nul('o2@example.com'), currentPassword: PASSWORD }),
          'email',
        ],
        [
          'PATCH /users/{id}',
          () =>
            http()
              .patch(`/users/${ownerId}`)
              .set('Authorization', `Bearer ${adminToken}`)
              .send({ firstName: nul('Olga') }),
          'firstName',
        ],
        [
          'forgot-password',
          () =>
            http()
              .post('/auth/forgot-password')
              .send({ email: nul('owner@example.com') }),
          'email',
        ],
        [
          'request-verify-token',
          () =>
            http()
              .post('/auth/request-verify-token')
              .send({ email: nul('owner@example.com') }),
          'email',
        ],
        [
          'verify',
          () =>
            http()
              .post('/auth/verify')
              .send({ token: nul('eyJhbGciOiJIUzI1NiJ9.e30.x') }),
          'token',
        ],
        [
          'reset-password',
          () =>
            http()
              .post('/auth/reset-password')
              .send({ token: 'eyJhbGciOiJIUzI1NiJ9.e30.x', password: nul(PASSWORD) }),
          'password',
        ],
        [
          'refresh',
          () =>
            http()
              .post('/auth/jwt/refresh')
              .send({ refresh_token: nul('a'.repeat(43)) }),
          'refresh_token',
        ],
        [
          'a nested value of an unknown field',
          () =>
            http()
              .post('/auth/register')
              .send({ email: 'new@example.com', password: PASSWORD, extra: { deep: [nul('x')] } }),
          'extra',
        ],
      ];
      for (const [name, send, field] of cases) {
        const response = await send();
        expect(response.status, `${name}: ${JSON.stringify(response.body)}`).toBe(422);
        expectValidationError(response, field);
        expect(response.text).not.toContain('\\u0000');
      }
      expect((await t.users.findOneByOrFail({ email: 'owner@example.com' })).firstName).toBeNull();
    });

    it.skipIf(skip)('refuses a long but acceptable-size password by policy, before any account is made', async () => {
      const long = await http()
        .post('/auth/register')
        .send({ email: 'long@example.com', password: 'x'.repeat(5_000) });
      expect(long.status).toBe(422);
      const tooLong = await http()
        .post('/auth/register')
        .send({ email: 'long@example.com', password: 'é'.repeat(1_025) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.detail.code).toBe('REGISTER_INVALID_PASSWORD');
    });

    it.skipIf(skip)('survives the bad input: the app still serves a normal login', async () => {
      const response = await http()
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: 'owner@example.com', password: PASSWORD });
      expect(response.status).toBe(200);
    });
  },
);
