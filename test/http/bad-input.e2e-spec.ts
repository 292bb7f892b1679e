import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, PASSWORD, register } from '../fixtures/http.js';
import { createTestApp, type Platform, type TestApp } from '../fixtures/test-app.js';

const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe.each<Platform>(['express', 'fastify'])('bad input gets a clear 4xx, never a 500 (%s)', (platform) => {
  let t: TestApp;
  let http: () => ReturnType<typeof request>;
  let rowsBefore: number;

  beforeAll(async () => {
    t = await createTestApp({ platform });
    http = () => request(t.server as never);
    await register(t.server, 'owner@example.com');
    rowsBefore = await t.users.count();
  });
  afterAll(async () => {
    // Nothing below may have created, lost or changed a row.
    expect(await t.users.count()).toBe(rowsBefore);
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

  it('login: missing fields, wrong types, operator injection → 422 naming the field', async () => {
    expectValidationError(await http().post('/auth/jwt/login').type('form').send('username=owner@example.com'), 'password');
    expectValidationError(await http().post('/auth/jwt/login').type('form').send(`password=${PASSWORD}`), 'username');
    expectValidationError(await http().post('/auth/jwt/login').type('form').send('username[$ne]=x&password[$ne]=x'), 'username');
    expectValidationError(await http().post('/auth/jwt/login').send({ username: { $gt: '' }, password: { $gt: '' } }), 'username');
    expectValidationError(await http().post('/auth/jwt/login').send({ username: 1, password: ['a'] }), 'username');
    expectValidationError(await http().post('/auth/jwt/login').send({ username: 'owner@example.com', password: null }), 'password');
    expectValidationError(await http().post('/auth/jwt/login').send([{ username: 'owner@example.com', password: PASSWORD }]));
    expectValidationError(await http().post('/auth/jwt/login'));
  });

  it('register: bad emails and wrong types → 422', async () => {
    for (const email of ['a@b', 'a@@b.io', 'x@a.io,v@b.io', '<script>@x.io', 'a'.repeat(321) + '@x.io', ' owner2@example.com', null, 42, ['a@b.io'], { $gt: '' }]) {
      expectValidationError(await http().post('/auth/register').send({ email, password: PASSWORD }), 'email');
    }
    for (const password of [null, 42, ['x'.repeat(10)], { a: 1 }]) {
      expectValidationError(await http().post('/auth/register').send({ email: 'new@example.com', password }), 'password');
    }
  });

  it('refuses bodies of another media type with 415', async () => {
    const json = JSON.stringify({ email: 'plain@example.com', password: PASSWORD });
    const plain = await http().post('/auth/register').set('Content-Type', 'text/plain').send(json);
    expect(plain.status).toBe(415);
    expect(plain.body).toEqual({ statusCode: 415, detail: 'Unsupported Media Type' });
    expect((await http().post('/auth/register').type('form').send('email=form@example.com&password=xxxxxxxxxx')).status).toBe(415);
    expect((await http().post('/auth/jwt/login').set('Content-Type', 'text/plain').send('username=a&password=b')).status).toBe(415);
  });

  it('refuses malformed, huge and deeply nested bodies with 4xx', async () => {
    const malformed = await http().post('/auth/register').set('Content-Type', 'application/json').send('{"email": ');
    expect(malformed.status).toBe(400);
    const huge = await http().post('/auth/register').send({ email: 'huge@example.com', password: 'x'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
    const hugeForm = await http().post('/auth/jwt/login').type('form').send(`username=a&password=${'x'.repeat(1_100_000)}`);
    expect(hugeForm.status).toBe(413);
    expectValidationError(await http().post('/auth/register').set('Content-Type', 'application/json').send('['.repeat(10_000) + ']'.repeat(10_000)));
    expectValidationError(
      await http().post('/auth/register').set('Content-Type', 'application/json').send(`{"email":"deep@example.com","password":${nested(5_000)}}`),
    );
  });

  it('refuses a long but acceptable-size password by policy, before any account is made', async () => {
    const long = await http().post('/auth/register').send({ email: 'long@example.com', password: 'x'.repeat(5_000) });
    expect(long.status).toBe(422);
    const tooLong = await http().post('/auth/register').send({ email: 'long@example.com', password: 'é'.repeat(1_025) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.detail.code).toBe('REGISTER_INVALID_PASSWORD');
  });

  it('survives the bad input: the app still serves a normal login', async () => {
    const response = await http().post('/auth/jwt/login').type('form').send({ username: 'owner@example.com', password: PASSWORD });
    expect(response.status).toBe(200);
  });
});
