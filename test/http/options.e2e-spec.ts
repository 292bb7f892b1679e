import { hash as argon2 } from '@node-rs/argon2';
import { hash as bcrypt } from '@node-rs/bcrypt';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { createTestApp, type TestApp } from '../fixtures/test-app.js';

describe('requiresVerification', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ requiresVerification: true });
  });
  afterAll(async () => t?.close());

  it('refuses unverified users at login only after a right password, and on protected routes', async () => {
    await register(t.server, 'unv@example.com');
    const wrong = await request(t.server as never)
      .post('/auth/jwt/login')
      .type('form')
      .send({ username: 'unv@example.com', password: 'wrong password' });
    expect(wrong.body.detail).toBe('LOGIN_BAD_CREDENTIALS');
    const right = await request(t.server as never)
      .post('/auth/jwt/login')
      .type('form')
      .send({ username: 'unv@example.com', password: PASSWORD });
    expect(right.body).toEqual({ statusCode: 400, detail: 'LOGIN_USER_NOT_VERIFIED' });

    await t.users.update({ email: 'unv@example.com' }, { isVerified: true });
    const token = await login(t.server, 'unv@example.com');
    expect(
      (
        await request(t.server as never)
          .get('/users/me')
          .set('Authorization', `Bearer ${token}`)
      ).status,
    ).toBe(200);
    await t.users.update({ email: 'unv@example.com' }, { isVerified: false });
    expect(
      (
        await request(t.server as never)
          .get('/users/me')
          .set('Authorization', `Bearer ${token}`)
      ).status,
    ).toBe(403);
  });
});

describe('a password policy of the app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('reaches the client as {code, reason} on register, update and reset', async () => {
    const refused = await request(t.server as never)
      .post('/auth/register')
      .send({ email: 'pol@example.com', password: 'my LetMeIn 123' });
    expect(refused.body).toEqual({
      statusCode: 400,
      detail: { code: 'REGISTER_INVALID_PASSWORD', reason: 'Password should not contain "letmein"' },
    });
    await register(t.server, 'pol@example.com');
    const token = await login(t.server, 'pol@example.com');
    const update = await request(t.server as never)
      .patch('/users/me')
      .set('Authorization', `Bearer ${token}`)
      .send({ password: 'new letmein here', currentPassword: PASSWORD });
    expect(update.body).toEqual({
      statusCode: 400,
      detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: 'Password should not contain "letmein"' },
    });
  });
});

describe('requireCurrentPassword: false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ requireCurrentPassword: false });
  });
  afterAll(async () => t?.close());

  it('lets PATCH /users/me change the password without the current one (and still ends earlier sessions)', async () => {
    await register(t.server, 'free@example.com');
    const token = await login(t.server, 'free@example.com');
    const changed = await request(t.server as never)
      .patch('/users/me')
      .set('Authorization', `Bearer ${token}`)
      .send({ password: 'changed without proof' });
    expect(changed.status).toBe(200);
    await login(t.server, 'free@example.com', 'changed without proof');
    expect(
      (
        await request(t.server as never)
          .get('/users/me')
          .set('Authorization', `Bearer ${token}`)
      ).status,
    ).toBe(401);
  });
});

describe('routes can be turned off and moved', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ routes: { verify: false, resetPasswordPath: 'account', usersPath: 'people' } });
  });
  afterAll(async () => t?.close());

  it('mounts what is asked, where it is asked', async () => {
    const http = () => request(t.server as never);
    expect((await http().post('/auth/verify').send({ token: 'x' })).status).toBe(404);
    expect((await http().post('/auth/request-verify-token').send({ email: 'a@b.io' })).status).toBe(404);
    expect((await http().post('/auth/forgot-password').send({ email: 'a@b.io' })).status).toBe(404);
    expect((await http().post('/account/forgot-password').send({ email: 'a@b.io' })).status).toBe(202);
    expect((await http().get('/users/me')).status).toBe(404);
    expect((await http().get('/people/me')).status).toBe(401);
    expect(Object.keys(t.document.paths)).not.toContain('/auth/verify');
    expect(Object.keys(t.document.paths)).toContain('/account/reset-password');
  });
});

describe('rows from a fastapi-users database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('log in with their argon2id (m=65536,t=3,p=4) or bcrypt ($2b$12$) hash, which is then upgraded', async () => {
    const legacy = {
      'argon@example.com': await argon2(PASSWORD, { algorithm: 2 as never, memoryCost: 65_536, timeCost: 3, parallelism: 4 }),
      'bcrypt@example.com': await bcrypt(PASSWORD, { cost: 12 }),
    };
    expect(legacy['argon@example.com']).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
    expect(legacy['bcrypt@example.com']).toMatch(/^\$2b\$12\$/);
    for (const [email, hashedPassword] of Object.entries(legacy)) {
      await t.users.save(t.users.create({ email, hashedPassword, isActive: true, isSuperuser: false, isVerified: true }));
      const wrong = await request(t.server as never)
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: email, password: 'not it at all' });
      expect(wrong.body.detail).toBe('LOGIN_BAD_CREDENTIALS');
      expect((await t.users.findOneByOrFail({ email })).hashedPassword).toBe(hashedPassword);

      await login(t.server, email);
      const upgraded = (await t.users.findOneByOrFail({ email })).hashedPassword;
      expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      await login(t.server, email);
    }
  });

  // bcrypt only ever saw the first 72 bytes; longer inputs are refused outright (like Kratos) instead of matching on
  // whatever suffix follows them. Such a user resets their password.
  it('never lets a bcrypt user in with a password longer than 72 bytes', async () => {
    const long = 'x'.repeat(72) + 'the rest that bcrypt would ignore';
    await t.users.save(
      t.users.create({
        email: 'long@example.com',
        hashedPassword: await bcrypt(long, { cost: 4 }),
        isActive: true,
        isSuperuser: false,
        isVerified: false,
      }),
    );
    for (const password of [long, 'x'.repeat(72) + 'something else']) {
      const response = await request(t.server as never)
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: 'long@example.com', password });
      expect(response.body.detail, JSON.stringify(response.body)).toBe('LOGIN_BAD_CREDENTIALS');
    }
  });
});

describe('a login storm', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ argon2: { maxConcurrent: 2, maxQueued: 8 } });
    await register(t.server, 'storm@example.com');
  });
  afterAll(async () => t?.close());

  it('gets 503 + Retry-After beyond the hashing queue, never a 500, and the app keeps serving', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        request(t.server as never)
          .post('/auth/jwt/login')
          .type('form')
          .send({ username: 'storm@example.com', password: i % 2 ? PASSWORD : 'wrong password' }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(
      statuses.every((status) => [200, 400, 503].includes(status)),
      statuses.join(),
    ).toBe(true);
    const refused = answers.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body).toEqual({ statusCode: 503, detail: 'Service Unavailable' });
    expect(refused[0]!.headers['retry-after']).toBe('5');
    expect(statuses.filter((status) => status !== 503).length).toBeGreaterThanOrEqual(10);
    await login(t.server, 'storm@example.com');
  });
});

describe('userCache', () => {
  let t: TestApp;
  let admin: string;
  const http = () => request(t.server as never);
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const me = (token: string) => http().get('/users/me').set(bearer(token));

  beforeAll(async () => {
    t = await createTestApp({ userCache: { ttlSeconds: 2 } });
    await register(t.server, 'root@example.com');
    // Before anyone is cached: a direct write is seen at once.
    await t.users.update({ email: 'root@example.com' }, { isSuperuser: true });
    admin = await login(t.server, 'root@example.com');
  });
  afterAll(async () => t?.close());

  it('a deactivation through the admin route ends the cached user’s access at once', async () => {
    const { id } = await register(t.server, 'deact@example.com');
    const token = await login(t.server, 'deact@example.com');
    expect((await me(token)).status).toBe(200);
    expect((await http().patch(`/users/${id}`).set(bearer(admin)).send({ isActive: false })).status).toBe(200);
    expect((await me(token)).status).toBe(401);
  });

  it('a password change ends the earlier tokens at once, and the new token sees the new row', async () => {
    await register(t.server, 'pw@example.com');
    const token = await login(t.server, 'pw@example.com');
    expect((await me(token)).status).toBe(200);
    expect(
      (await http().patch('/users/me').set(bearer(token)).send({ password: 'another long one', currentPassword: PASSWORD }))
        .status,
    ).toBe(200);
    expect((await me(token)).status).toBe(401);
    expect((await me(await login(t.server, 'pw@example.com', 'another long one'))).status).toBe(200);
  });

  it('a deletion ends access at once', async () => {
    const { id } = await register(t.server, 'del@example.com');
    const token = await login(t.server, 'del@example.com');
    expect((await me(token)).status).toBe(200);
    expect((await http().delete(`/users/${id}`).set(bearer(admin))).status).toBe(204);
    expect((await me(token)).status).toBe(401);
  });

  it('a write behind the library’s back (SQL, another instance) shows within ttlSeconds, as documented', async () => {
    await register(t.server, 'sql@example.com');
    const token = await login(t.server, 'sql@example.com');
    expect((await me(token)).status).toBe(200);
    await t.users.update({ email: 'sql@example.com' }, { isActive: false });
    expect((await me(token)).status).toBe(200); // still the cached row
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await me(token)).status).toBe(401);
  });
});
