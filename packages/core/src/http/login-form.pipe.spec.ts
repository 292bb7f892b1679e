import type { ArgumentMetadata } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { LoginDto } from '../dto/login.dto.js';
import { createLoginFormPipe } from './login-form.pipe.js';
import { createUsersAuthValidationPipe } from './validation.pipe.js';

const metadata: ArgumentMetadata = { type: 'body', metatype: LoginDto, data: undefined };
const full = createUsersAuthValidationPipe();
const login = createLoginFormPipe();

/** What a pipe makes of a body: the value it returns (class and own fields), or the error response it throws. */
async function outcome(pipe: typeof full, body: unknown) {
  try {
    const value = (await pipe.transform(body, metadata)) as object;
    return { ok: true, isLoginDto: value instanceof LoginDto, fields: { ...value } };
  } catch (error) {
    const { status, response } = error as { status?: number; response?: unknown };
    return { ok: false, status, response };
  }
}

const nullPrototype = (fields: Record<string, unknown>) => Object.assign(Object.create(null) as object, fields);
const emoji = '😀';
const bodies: Array<[string, unknown]> = [
  ['Swagger UI’s form', { grant_type: 'password', username: 'ada@example.com', password: 'correct horse', scope: '' }],
  ['the two required fields only', { username: 'ada@example.com', password: 'pw' }],
  ['every OAuth2 extra', { username: 'a@b.io', password: 'pw', grant_type: 'password', scope: 'x y', client_id: 'c', client_secret: 's' }],
  ['a form parsed without a prototype (querystring)', nullPrototype({ username: 'a@b.io', password: 'pw' })],
  ['username at its limit', { username: 'u'.repeat(320), password: 'pw' }],
  ['username over its limit', { username: 'u'.repeat(321), password: 'pw' }],
  ['a password of emoji at the limit in code points, over it in UTF-16 units', { username: 'a@b.io', password: emoji.repeat(4096) }],
  ['a password of emoji over the limit in code points', { username: 'a@b.io', password: emoji.repeat(4097) }],
  ['password at its limit', { username: 'a@b.io', password: 'p'.repeat(4096) }],
  ['password over its limit', { username: 'a@b.io', password: 'p'.repeat(4097) }],
  ['grant_type over its limit', { username: 'a@b.io', password: 'pw', grant_type: 'g'.repeat(65) }],
  ['client_secret over its limit', { username: 'a@b.io', password: 'pw', client_secret: 's'.repeat(1025) }],
  ['an empty username', { username: '', password: 'pw' }],
  ['an empty password', { username: 'a@b.io', password: '' }],
  ['an empty scope (allowed)', { username: 'a@b.io', password: 'pw', scope: '' }],
  ['no password', { username: 'a@b.io' }],
  ['no username', { password: 'pw' }],
  ['a number as password', { username: 'a@b.io', password: 12345678 }],
  ['a boolean as username', { username: true, password: 'pw' }],
  ['null password', { username: 'a@b.io', password: null }],
  ['null scope (optional)', { username: 'a@b.io', password: 'pw', scope: null }],
  ['an array password (a repeated form field)', { username: 'a@b.io', password: ['a', 'b'] }],
  ['an object username', { username: { $ne: '' }, password: 'pw' }],
  ['an unknown field (stripped)', { username: 'a@b.io', password: 'pw', isSuperuser: true }],
  ['a __proto__ field', JSON.parse('{"username":"a@b.io","password":"pw","__proto__":{"isSuperuser":true}}')],
  ['a constructor field', { username: 'a@b.io', password: 'pw', constructor: 'x' }],
  ['an array body', [{ username: 'a@b.io', password: 'pw' }]],
  ['an empty body', {}],
  ['a string body', 'username=a@b.io&password=pw'],
  ['null', null],
  ['undefined', undefined],
  ['a class instance', Object.assign(new (class Form {})(), { username: 'a@b.io', password: 'pw' })],
  ['a username with CR LF (log injection)', { username: 'a\r\nforged@b.io', password: 'pw' }],
  ['a username with ESC', { username: 'a\u001b[31m@b.io', password: 'pw' }],
  ['a username with a zero-width space', { username: 'a\u200b@b.io', password: 'pw' }],
  ['a username with a space', { username: 'a @b.io', password: 'pw' }],
  ['a username that is no email (looked up, finds nobody)', { username: "admin'--", password: 'pw' }],
];

const unsafeUsernames = ['a\r\nforged@b.io', 'a\u001b[31m@b.io', 'a\u0000@b.io', 'a\tb@b.io', 'a\u200b@b.io', 'a\u202e@b.io', ' a@b.io'];

describe('the login form pipe', () => {
  it.each(bodies)('answers exactly as the full validation pipe: %s', async (_name, body) => {
    expect(await outcome(login, body)).toEqual(await outcome(full, body));
  });

  it('returns a LoginDto holding the given fields for a valid form', async () => {
    const value = await login.transform({ username: 'ada@example.com', password: 'pw', scope: '' }, metadata);
    expect(value).toBeInstanceOf(LoginDto);
    expect(value).toMatchObject({ username: 'ada@example.com', password: 'pw', scope: '' });
  });

  it.each(unsafeUsernames)('refuses a username holding a character no email may hold with 422: %j', async (username) => {
    expect(await outcome(login, { username, password: 'pw' })).toMatchObject({ ok: false, status: 422 });
  });

  it('leaves query and route parameters to the full pipe', async () => {
    const query: ArgumentMetadata = { type: 'query', metatype: LoginDto, data: undefined };
    await expect(login.transform({ username: 'a@b.io', password: 'pw' }, query)).resolves.toBeInstanceOf(LoginDto);
  });
});
