import { UserManager } from '@nest-users/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Internal: mints the tokens a mail hook would have received.
import { UserTokens } from '../../packages/core/src/manager/user-tokens.js';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { createTestApp, type Platform, type TestApp } from '../fixtures/test-app.js';

/**
 * Every answer that carries a user's data or a token says `Cache-Control: no-store`: the library's routes, and the
 * app's own routes once `@Authenticated()` put a user on them (the cookie transport's answers are checked in
 * transports-and-strategies). Public answers keep whatever the app says.
 */
describe.each<Platform>(['express', 'fastify'])('Cache-Control: no-store on user data (%s)', (platform) => {
  let t: TestApp;
  let token: string;
  let adminToken: string;
  let userId: string;
  const http = () => request(t.server as never);
  const noStore = (response: request.Response, what: string) => {
    expect(response.status, `${what}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    expect(response.headers['cache-control'], what).toBe('no-store');
  };

  beforeAll(async () => {
    t = await createTestApp({ platform });
    await register(t.server, 'admin@example.com');
    await t.users.update({ email: 'admin@example.com' }, { isSuperuser: true });
    adminToken = await login(t.server, 'admin@example.com');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('on the library routes that answer a user or a token', async () => {
    const created = await http().post('/auth/register').send({ email: 'ada@example.com', password: PASSWORD });
    noStore(created, 'register');
    userId = created.body.id;
    noStore(await http().post('/auth/jwt/login').type('form').send({ username: 'ada@example.com', password: PASSWORD }), 'login');
    token = await login(t.server, 'ada@example.com');
    const me = () => http().get('/users/me').set('Authorization', `Bearer ${token}`);
    noStore(await me(), 'GET /users/me');
    noStore(await http().patch('/users/me').set('Authorization', `Bearer ${token}`).send({}), 'PATCH /users/me');
    noStore(await http().get(`/users/${userId}`).set('Authorization', `Bearer ${adminToken}`), 'GET /users/{id}');
    noStore(await http().patch(`/users/${userId}`).set('Authorization', `Bearer ${adminToken}`).send({}), 'PATCH /users/{id}');

    const ada = (await t.app.get(UserManager).getByEmail('ada@example.com'))!;
    const tokens = t.app.get(UserTokens);
    noStore(
      await http()
        .post('/auth/verify')
        .send({ token: tokens.createVerifyToken(ada) }),
      'verify',
    );
    noStore(
      await http()
        .post('/auth/reset-password')
        .send({ token: tokens.createResetToken(ada), password: 'ada new password' }),
      'reset-password',
    );
  });

  it("on the app's routes that authenticated a user, and not on its public ones", async () => {
    const bearer = `Bearer ${await login(t.server, 'admin@example.com')}`;
    noStore(await http().get('/probe/any').set('Authorization', bearer), '@Authenticated()');
    noStore(await http().get('/guarded-class').set('Authorization', bearer), '@Authenticated() on the class');
    noStore(await http().get('/probe/optional').set('Authorization', bearer), '@Authenticated({ optional: true }) with a user');
    expect((await http().get('/probe/optional')).headers['cache-control']).toBeUndefined();
    expect((await http().get('/probe/public')).headers['cache-control']).toBeUndefined();
  });
});
