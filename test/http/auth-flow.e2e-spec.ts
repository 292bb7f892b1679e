import jsonwebtoken from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, login, PASSWORD, register } from '../fixtures/http.js';
import {
  createTestApp,
  MYSQL_URL,
  POSTGRES_URL,
  type Database,
  type Platform,
  type Registration,
  type TestApp,
} from '../fixtures/test-app.js';

const variants: Array<[Platform, Registration, Database]> = [
  ['express', 'forRoot', 'sqlite'],
  ['express', 'forRootAsync', 'sqlite'],
  ['fastify', 'forRoot', 'sqlite'],
  ['fastify', 'forRootAsync', 'sqlite'],
  ['express', 'forRoot', 'postgres'],
  ['fastify', 'forRootAsync', 'postgres'],
  ['express', 'forRootAsync', 'mysql'],
  ['fastify', 'forRoot', 'mysql'],
];
if (!POSTGRES_URL) console.warn('auth-flow: PostgreSQL variants skipped: TEST_POSTGRES_URL is not set.');
if (!MYSQL_URL) console.warn('auth-flow: MySQL/MariaDB variants skipped: TEST_MYSQL_URL is not set.');
const unavailable = (database: Database) => (database === 'postgres' && !POSTGRES_URL) || (database === 'mysql' && !MYSQL_URL);

describe.each(variants)('register → login → protected routes (%s, %s, %s)', (platform, registration, database) => {
  let t: TestApp;
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    if (unavailable(database)) return;
    t = await createTestApp({ platform, registration, database });
    http = () => request(t.server as never);
  });
  afterAll(async () => t?.close());

  it.skipIf(unavailable(database))('runs the whole happy path', async () => {
    const created = await register(t.server, 'Ada@Example.com');
    expect(created).toMatchObject({ email: 'ada@example.com', isActive: true, isSuperuser: false, isVerified: false });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expectNoSecrets(created);

    const token = await login(t.server, 'ADA@example.COM');
    const me = await http().get('/users/me').set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: created.id, email: 'ada@example.com' });
    expectNoSecrets(me.body);

    const probe = await http().get('/probe/any').set('Authorization', `bearer ${token}`);
    expect(probe.body).toEqual({ email: 'ada@example.com' });
  });

  describe.skipIf(unavailable(database))('details', () => {
    let token: string;
    let mobileToken: string;
    beforeAll(async () => {
      await register(t.server, 'grace@example.com');
      token = await login(t.server, 'grace@example.com');
      mobileToken = await login(t.server, 'grace@example.com', PASSWORD, 'mobile');
    });

    it('answers the OAuth2 token response, uncached, with only sub/aud/iat/exp and the password fingerprint in the token', async () => {
      const response = await http()
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: 'grace@example.com', password: PASSWORD });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['access_token', 'token_type']);
      expect(response.body.token_type).toBe('bearer');
      expect(response.headers['cache-control']).toBe('no-store');
      const { header, payload } = jsonwebtoken.decode(response.body.access_token, { complete: true })!;
      expect(header.alg).toBe('HS256');
      expect(Object.keys(payload as object).sort()).toEqual(['aud', 'exp', 'iat', 'pfp', 'sub']);
      expect((payload as { aud: string }).aud).toBe('nest-users:auth:jwt');
      expect((payload as { exp: number }).exp - (payload as { iat: number }).iat).toBe(3600);
    });

    it('accepts a JSON login too', async () => {
      const response = await http().post('/auth/mobile/login').send({ username: 'grace@example.com', password: PASSWORD });
      expect(response.status).toBe(200);
      expect(response.body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    it('keeps the two backends apart: a token works only where its backend is enabled', async () => {
      const as = (bearer: string, path: string) => http().get(path).set('Authorization', `Bearer ${bearer}`);
      expect((await as(token, '/probe/any')).status).toBe(200);
      expect((await as(mobileToken, '/probe/any')).status).toBe(200);
      expect((await as(token, '/probe/jwt-only')).status).toBe(200);
      expect((await as(mobileToken, '/probe/jwt-only')).status).toBe(401);
      expect((await as(mobileToken, '/probe/mobile-only')).status).toBe(200);
      expect((await as(token, '/probe/mobile-only')).status).toBe(401);
      const forged = jsonwebtoken.sign(
        { sub: (jsonwebtoken.decode(token) as { sub: string }).sub, aud: 'nest-users:auth:jwt' },
        t.secrets.mobile,
        { expiresIn: 60 },
      );
      expect((await as(forged, '/probe/jwt-only')).status).toBe(401);
    });

    it('answers 401 with WWW-Authenticate and the documented body', async () => {
      const none = await http().get('/users/me');
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ statusCode: 401, detail: 'Unauthorized' });
      expect(none.headers['www-authenticate']).toBe('Bearer');

      const bad = await http()
        .get('/users/me')
        .set('Authorization', `Bearer ${token.slice(0, -2)}xx`);
      expect(bad.status).toBe(401);
      expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');

      for (const header of [
        'Bearer',
        'Bearer    ',
        `Basic ${token}`,
        `Token ${token}`,
        'Bearer abc',
        'Bearer a.b',
        'Bearer a.b.c.d',
      ]) {
        const response = await http().get('/users/me').set('Authorization', header);
        expect(response.status, header).toBe(401);
      }
    });

    it('never reads tokens from the query string or the body', async () => {
      expect((await http().get(`/users/me?access_token=${token}`)).status).toBe(401);
      expect((await http().get(`/users/me?auth_token=${token}`)).status).toBe(401);
      expect((await http().post('/auth/jwt/logout').send({ auth_token: token, access_token: token })).status).toBe(401);
    });

    it('refuses an expired token and a token for an unknown user', async () => {
      const sub = (jsonwebtoken.decode(token) as { sub: string }).sub;
      const expired = jsonwebtoken.sign(
        { sub, aud: 'nest-users:auth:jwt', exp: Math.floor(Date.now() / 1000) - 1 },
        t.secrets.jwt,
      );
      expect((await http().get('/users/me').set('Authorization', `Bearer ${expired}`)).status).toBe(401);
      const ghost = jsonwebtoken.sign(
        { sub: '00000000-0000-4000-8000-000000000000', aud: 'nest-users:auth:jwt' },
        t.secrets.jwt,
        { expiresIn: 60 },
      );
      expect((await http().get('/users/me').set('Authorization', `Bearer ${ghost}`)).status).toBe(401);
      const notUuid = jsonwebtoken.sign({ sub: 'not-a-uuid', aud: 'nest-users:auth:jwt' }, t.secrets.jwt, { expiresIn: 60 });
      expect((await http().get('/users/me').set('Authorization', `Bearer ${notUuid}`)).status).toBe(401);
    });

    it('applies active, verified and superuser rules', async () => {
      await register(t.server, 'ivy@example.com');
      const ivy = await login(t.server, 'ivy@example.com');
      const as = (path: string) => http().get(path).set('Authorization', `Bearer ${ivy}`);

      expect((await as('/probe/verified')).body).toEqual({ statusCode: 403, detail: 'Forbidden' });
      expect((await as('/probe/superuser')).status).toBe(403);
      await t.users.update({ email: 'ivy@example.com' }, { isVerified: true, isSuperuser: true });
      expect((await as('/probe/verified')).status).toBe(200);
      expect((await as('/probe/superuser')).status).toBe(200);

      await t.users.update({ email: 'ivy@example.com' }, { isActive: false });
      expect((await as('/probe/any')).status).toBe(401);
      expect((await as('/probe/optional')).body).toEqual({ email: null });
      // An inactive user cannot log in, and learns nothing more than a stranger would.
      const refused = await http().post('/auth/jwt/login').type('form').send({ username: 'ivy@example.com', password: PASSWORD });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
    });

    it('works on a whole protected controller, with optional auth, and with AuthGuard from @nestjs/passport', async () => {
      expect((await http().get('/guarded-class')).status).toBe(401);
      expect((await http().get('/guarded-class').set('Authorization', `Bearer ${token}`)).body).toEqual({
        email: 'grace@example.com',
      });
      expect((await http().get('/probe/optional')).body).toEqual({ email: null });
      expect((await http().get('/probe/optional').set('Authorization', `Bearer ${token}`)).body).toEqual({
        email: 'grace@example.com',
      });
      expect((await http().get('/probe/public')).status).toBe(200);
      expect((await http().get('/probe/passport').set('Authorization', `Bearer ${token}`)).body).toEqual({
        email: 'grace@example.com',
      });
      expect((await http().get('/probe/passport')).status).toBe(401);
    });

    it('logs out with 204 for an authenticated caller (stateless JWT: a no-op) and 401 otherwise', async () => {
      expect((await http().post('/auth/jwt/logout').set('Authorization', `Bearer ${token}`)).status).toBe(204);
      expect((await http().post('/auth/jwt/logout').set('Authorization', `Bearer ${mobileToken}`)).status).toBe(401);
      expect((await http().post('/auth/jwt/logout')).status).toBe(401);
    });

    it('gives unknown email, wrong password and inactive user the same answer', async () => {
      const attempt = (username: string, password: string) =>
        http().post('/auth/jwt/login').type('form').send({ username, password });
      const wrong = await attempt('grace@example.com', 'not the password');
      const unknown = await attempt('nobody@example.com', PASSWORD);
      const injection = await attempt("'OR'1'='1'--", PASSWORD); // with spaces: 422, no email holds whitespace
      for (const response of [wrong, unknown, injection]) {
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
      }
    });

    it('registers safely: flags and ids are ignored, duplicates in any case refused, weak passwords explained', async () => {
      const escalated = await http().post('/auth/register').send({
        email: 'mallory@example.com',
        password: PASSWORD,
        isSuperuser: true,
        isActive: false,
        isVerified: true,
        id: '00000000-0000-4000-8000-000000000000',
        hashedPassword: '$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA',
      });
      expect(escalated.status).toBe(201);
      expect(escalated.body).toMatchObject({ isSuperuser: false, isActive: true, isVerified: false });
      expect(escalated.body.id).not.toBe('00000000-0000-4000-8000-000000000000');
      await login(t.server, 'mallory@example.com');

      const proto = await http()
        .post('/auth/register')
        .set('Content-Type', 'application/json')
        .send(
          '{"email":"proto@example.com","password":"correct horse battery","__proto__":{"isSuperuser":true},"constructor":{"prototype":{"isSuperuser":true}}}',
        );
      expect([201, 400, 422]).toContain(proto.status); // Fastify refuses `__proto__` keys outright (400).
      expect(proto.body.isSuperuser ?? false).toBe(false);
      expect(({} as Record<string, unknown>).isSuperuser).toBeUndefined();

      const before = await t.users.count();
      const duplicate = await http().post('/auth/register').send({ email: 'MALLORY@Example.COM', password: PASSWORD });
      expect(duplicate.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
      expect(await t.users.count()).toBe(before);

      const weak = await http().post('/auth/register').send({ email: 'weak@example.com', password: 'short' });
      expect(weak.status).toBe(400);
      expect(weak.body.detail).toEqual({ code: 'REGISTER_INVALID_PASSWORD', reason: expect.stringContaining('8') });

      const spaced = await http().post('/auth/register').send({ email: 'spaces@example.com', password: '  pass phrase  ' });
      expect(spaced.status).toBe(201);
      const trimmed = await http()
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: 'spaces@example.com', password: 'pass phrase' });
      expect(trimmed.status).toBe(400);
      await login(t.server, 'spaces@example.com', '  pass phrase  ');
    });

    it('lets exactly one of concurrent registrations of one email (in any case) through: one 201, the rest 400', async () => {
      const spellings = ['race@example.com', 'RACE@example.com', 'Race@Example.com', 'race@EXAMPLE.COM', 'rAcE@example.com'];
      const before = await t.users.count();
      const responses = await Promise.all(
        spellings.map((email) => http().post('/auth/register').send({ email, password: PASSWORD })),
      );
      const statuses = responses.map(({ status }) => status).sort();
      expect(statuses).toEqual([201, 400, 400, 400, 400]);
      for (const response of responses.filter(({ status }) => status === 400)) {
        expect(response.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
      }
      expect(await t.users.count()).toBe(before + 1);
      await login(t.server, 'Race@example.com');
    });

    it('keeps addresses that differ by an accent or a sharp s apart: never one account for another', async () => {
      const zoe = await http().post('/auth/register').send({ email: 'Zo\u00eb@example.com', password: PASSWORD });
      expect(zoe.status).toBe(201);
      expect(zoe.body.email).toBe('zo\u00eb@example.com');
      for (const other of ['zoe@example.com', 'stra\u00dfe@example.com', 'strasse@example.com']) {
        const response = await http()
          .post('/auth/register')
          .send({ email: other, password: `${PASSWORD}!` });
        // A database whose collation ignores accents holds zoë and zoe as one address: refused, never a 500.
        if (response.status === 400) expect(response.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
        else expect(response.status, other).toBe(201);
      }
      // zoe@ never logs into zoë's account, whatever the database made of the address.
      const cross = await http().post('/auth/jwt/login').type('form').send({ username: 'zoe@example.com', password: PASSWORD });
      expect(cross.status).toBe(400);
      const token = await login(t.server, 'ZO\u00cb@example.com');
      const me = await http().get('/users/me').set('Authorization', `Bearer ${token}`);
      expect(me.body).toMatchObject({ id: zoe.body.id, email: 'zo\u00eb@example.com' });
    });
  });
});
