import jsonwebtoken from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, login, PASSWORD, register } from '../fixtures/http.js';
import { createTestApp, POSTGRES_URL, type Database, type Platform, type TestApp } from '../fixtures/test-app.js';

/** No body at all, on Express and Fastify alike: nothing that depends on the email. */
const expectEmpty = (response: request.Response) => expect(response.text).toBe('');

const variants: Array<[Platform, Database]> = [
  ['express', 'sqlite'],
  ['fastify', 'sqlite'],
  ['express', 'postgres'],
  ['fastify', 'postgres'],
];
if (!POSTGRES_URL) console.warn('lifecycle: PostgreSQL variants skipped: TEST_POSTGRES_URL is not set.');

describe.each(variants)('the user lifecycle (%s, %s)', (platform, database) => {
  const skip = database === 'postgres' && !POSTGRES_URL;
  let t: TestApp;
  let http: () => ReturnType<typeof request>;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  /** The token the last mail hook of that kind received for `email`. */
  const mailed = async (hook: string, email: string) => {
    await t.background.drain();
    const call = t.manager
      .callsOf(hook)
      .filter(([user]) => (user as { email: string }).email === email)
      .at(-1);
    return call?.[1] as string | undefined;
  };
  const idOf = async (email: string) => (await t.users.findOneByOrFail({ email })).id;

  beforeAll(async () => {
    if (skip) return;
    t = await createTestApp({ platform, database });
    http = () => request(t.server as never);
  });
  afterAll(async () => t?.close());

  describe.skipIf(skip)('verification', () => {
    it('sends a token to unverified users only, verifies once, and answers 202 for everyone', async () => {
      await register(t.server, 'vera@example.com');
      for (const email of ['vera@example.com', 'nobody@example.com']) {
        const response = await http().post('/auth/request-verify-token').send({ email });
        expect(response.status).toBe(202);
        expectEmpty(response);
      }
      const token = await mailed('onAfterRequestVerify', 'vera@example.com');
      expect(t.manager.callsOf('onAfterRequestVerify')).toHaveLength(1);
      expect(jsonwebtoken.decode(token!)).toMatchObject({ aud: 'nest-users:verify', email: 'vera@example.com' });

      const verified = await http().post('/auth/verify').send({ token });
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ email: 'vera@example.com', isVerified: true });
      expectNoSecrets(verified.body);
      expect(t.manager.callsOf('onAfterVerify')).toHaveLength(1);

      const again = await http().post('/auth/verify').send({ token });
      expect(again.body).toEqual({ statusCode: 400, detail: 'VERIFY_USER_ALREADY_VERIFIED' });
      await http().post('/auth/request-verify-token').send({ email: 'vera@example.com' });
      await t.background.drain();
      expect(t.manager.callsOf('onAfterRequestVerify')).toHaveLength(1);
    });

    it('refuses bad, foreign and stale verification tokens', async () => {
      await register(t.server, 'vic@example.com');
      await http().post('/auth/request-verify-token').send({ email: 'vic@example.com' });
      const token = (await mailed('onAfterRequestVerify', 'vic@example.com'))!;
      const access = await login(t.server, 'vic@example.com');
      for (const bad of ['nope', token.slice(0, -3) + 'abc', access]) {
        expect((await http().post('/auth/verify').send({ token: bad })).body).toEqual({
          statusCode: 400,
          detail: 'VERIFY_USER_BAD_TOKEN',
        });
      }
      const changed = await http()
        .patch('/users/me')
        .set(bearer(access))
        .send({ email: 'vic2@example.com', currentPassword: PASSWORD });
      expect(changed.status).toBe(200);
      expect((await http().post('/auth/verify').send({ token })).body.detail).toBe('VERIFY_USER_BAD_TOKEN');
      expect((await t.users.findOneByOrFail({ email: 'vic2@example.com' })).isVerified).toBe(false);
    });

    it('sends nothing to inactive users, and a throwing hook changes nothing in the answer', async () => {
      await register(t.server, 'ina@example.com');
      await t.users.update({ email: 'ina@example.com' }, { isActive: false });
      await register(t.server, 'explode-verify@example.com');
      for (const email of ['ina@example.com', 'explode-verify@example.com']) {
        expect((await http().post('/auth/request-verify-token').send({ email })).status).toBe(202);
      }
      expect(await mailed('onAfterRequestVerify', 'ina@example.com')).toBeUndefined();
      expect(await mailed('onAfterRequestVerify', 'explode-verify@example.com')).toBeDefined();
    });
  });

  describe.skipIf(skip)('password reset', () => {
    it('answers 202 for unknown, inactive and real users; mails only the real one, at the stored address', async () => {
      await register(t.server, 'rita@example.com');
      await register(t.server, 'sleepy@example.com');
      await t.users.update({ email: 'sleepy@example.com' }, { isActive: false });
      await register(t.server, 'explode-reset@example.com');
      for (const email of ['ghost@example.com', 'sleepy@example.com', 'RITA@Example.com', 'explode-reset@example.com']) {
        const response = await http().post('/auth/forgot-password').send({ email });
        expect(response.status).toBe(202);
        expectEmpty(response);
      }
      await t.background.drain();
      const mailedTo = t.manager.callsOf('onAfterForgotPassword').map(([user]) => (user as { email: string }).email);
      expect(mailedTo.sort()).toEqual(['explode-reset@example.com', 'rita@example.com']);
    });

    it('resets once: the token dies with the password, and old sessions end', async () => {
      await register(t.server, 'rose@example.com');
      const oldSession = await login(t.server, 'rose@example.com');
      await http().post('/auth/forgot-password').send({ email: 'rose@example.com' });
      const token = (await mailed('onAfterForgotPassword', 'rose@example.com'))!;
      expect(jsonwebtoken.decode(token)).toMatchObject({ aud: 'nest-users:reset' });

      const weak = await http().post('/auth/reset-password').send({ token, password: 'short' });
      expect(weak.body).toEqual({
        statusCode: 400,
        detail: { code: 'RESET_PASSWORD_INVALID_PASSWORD', reason: expect.any(String) },
      });
      await login(t.server, 'rose@example.com'); // unchanged by the refused attempt

      const done = await http().post('/auth/reset-password').send({ token, password: 'a brand new secret' });
      expect(done.status).toBe(200);
      expectEmpty(done);
      expect(
        t.manager.callsOf('onAfterResetPassword').filter(([u]) => (u as { email: string }).email === 'rose@example.com'),
      ).toHaveLength(1);
      await login(t.server, 'rose@example.com', 'a brand new secret');
      expect(
        (await http().post('/auth/jwt/login').type('form').send({ username: 'rose@example.com', password: PASSWORD })).status,
      ).toBe(400);
      expect((await http().get('/users/me').set(bearer(oldSession))).status).toBe(401);

      const reuse = await http().post('/auth/reset-password').send({ token, password: 'yet another secret' });
      expect(reuse.body).toEqual({ statusCode: 400, detail: 'RESET_PASSWORD_BAD_TOKEN' });
    });

    it('refuses a token issued before a later password change, an older one after a newer was used, and foreign tokens', async () => {
      await register(t.server, 'reg@example.com');
      await http().post('/auth/forgot-password').send({ email: 'reg@example.com' });
      const first = (await mailed('onAfterForgotPassword', 'reg@example.com'))!;
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // a different iat, so the second token differs
      await http().post('/auth/forgot-password').send({ email: 'reg@example.com' });
      const second = (await mailed('onAfterForgotPassword', 'reg@example.com'))!;
      expect(second).not.toBe(first);
      expect((await http().post('/auth/reset-password').send({ token: second, password: 'second new secret' })).status).toBe(200);
      expect((await http().post('/auth/reset-password').send({ token: first, password: 'first new secret' })).body.detail).toBe(
        'RESET_PASSWORD_BAD_TOKEN',
      );

      await http().post('/auth/forgot-password').send({ email: 'reg@example.com' });
      const third = (await mailed('onAfterForgotPassword', 'reg@example.com'))!;
      const session = await login(t.server, 'reg@example.com', 'second new secret');
      const patched = await http()
        .patch('/users/me')
        .set(bearer(session))
        .send({ password: 'patched new secret', currentPassword: 'second new secret' });
      expect(patched.status).toBe(200);
      expect((await http().post('/auth/reset-password').send({ token: third, password: 'third new secret' })).body.detail).toBe(
        'RESET_PASSWORD_BAD_TOKEN',
      );

      const access = await login(t.server, 'reg@example.com', 'patched new secret');
      expect((await http().post('/auth/reset-password').send({ token: access, password: 'xxxxxxxxxxxx' })).body.detail).toBe(
        'RESET_PASSWORD_BAD_TOKEN',
      );
      await http().post('/auth/request-verify-token').send({ email: 'reg@example.com' });
      const verifyToken = (await mailed('onAfterRequestVerify', 'reg@example.com'))!;
      expect((await http().post('/auth/reset-password').send({ token: verifyToken, password: 'xxxxxxxxxxxx' })).body.detail).toBe(
        'RESET_PASSWORD_BAD_TOKEN',
      );
      await http().post('/auth/forgot-password').send({ email: 'reg@example.com' });
      const reset = (await mailed('onAfterForgotPassword', 'reg@example.com'))!;
      expect((await http().get('/users/me').set(bearer(reset))).status).toBe(401);
      expect((await http().post('/auth/verify').send({ token: reset })).body.detail).toBe('VERIFY_USER_BAD_TOKEN');
      expect((await http().get('/users/me').set(bearer(verifyToken))).status).toBe(401);
    });

    it('ends pending reset and verification tokens when the email moves, and at "log out everywhere"', async () => {
      await register(t.server, 'mover@example.com');
      const session = await login(t.server, 'mover@example.com');
      const pending = async (email: string) => {
        await http().post('/auth/forgot-password').send({ email });
        await http().post('/auth/request-verify-token').send({ email });
        return { reset: (await mailed('onAfterForgotPassword', email))!, verify: (await mailed('onAfterRequestVerify', email))! };
      };
      const expectDead = async (tokens: { reset: string; verify: string }) => {
        expect((await http().post('/auth/reset-password').send({ token: tokens.reset, password: 'taken over!' })).body).toEqual({
          statusCode: 400,
          detail: 'RESET_PASSWORD_BAD_TOKEN',
        });
        expect((await http().post('/auth/verify').send({ token: tokens.verify })).body).toEqual({
          statusCode: 400,
          detail: 'VERIFY_USER_BAD_TOKEN',
        });
      };

      // Mailed to the old address, which may be someone else's by now.
      const mailedToOld = await pending('mover@example.com');
      const moved = await http()
        .patch('/users/me')
        .set(bearer(session))
        .send({ email: 'moved@example.com', currentPassword: PASSWORD });
      expect(moved.status).toBe(200);
      await expectDead(mailedToOld);

      const beforeLogoutAll = await pending('moved@example.com');
      expect((await http().post('/auth/jwt/logout-all').set(bearer(session))).status).toBe(204);
      await expectDead(beforeLogoutAll);

      const fresh = await pending('moved@example.com');
      expect((await http().post('/auth/verify').send({ token: fresh.verify })).status).toBe(200);
      expect((await http().post('/auth/reset-password').send({ token: fresh.reset, password: 'a fresh password' })).status).toBe(
        200,
      );
      await login(t.server, 'moved@example.com', 'a fresh password');
    });

    it('lets exactly one of 10 concurrent resets with one token win', async () => {
      await register(t.server, 'race@example.com');
      await http().post('/auth/forgot-password').send({ email: 'race@example.com' });
      const token = (await mailed('onAfterForgotPassword', 'race@example.com'))!;
      const passwords = Array.from({ length: 10 }, (_, i) => `racing password ${i}`);
      const answers = await Promise.all(
        passwords.map((password) => http().post('/auth/reset-password').send({ token, password })),
      );
      const winners = answers.flatMap((answer, i) => (answer.status === 200 ? [passwords[i]!] : []));
      expect(winners, JSON.stringify(answers.map((a) => [a.status, a.body]))).toHaveLength(1);
      for (const answer of answers.filter((a) => a.status !== 200)) {
        expect(answer.body).toEqual({ statusCode: 400, detail: 'RESET_PASSWORD_BAD_TOKEN' });
      }
      await login(t.server, 'race@example.com', winners[0]);
      for (const loser of passwords.filter((p) => p !== winners[0]).slice(0, 2)) {
        expect(
          (await http().post('/auth/jwt/login').type('form').send({ username: 'race@example.com', password: loser })).status,
        ).toBe(400);
      }
    });
  });

  describe.skipIf(skip)('PATCH /users/me', () => {
    it('ignores privileged fields, even through __proto__', async () => {
      const created = await register(t.server, 'amy@example.com');
      const token = await login(t.server, 'amy@example.com');
      const response = await http().patch('/users/me').set(bearer(token)).send({
        isSuperuser: true,
        isActive: false,
        isVerified: true,
        id: '00000000-0000-4000-8000-000000000000',
        hashedPassword: '$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: created.id, isSuperuser: false, isActive: true, isVerified: false });
      const proto = await http()
        .patch('/users/me')
        .set(bearer(token))
        .set('Content-Type', 'application/json')
        .send('{"__proto__":{"isSuperuser":true},"constructor":{"prototype":{"isSuperuser":true}}}');
      expect([200, 400, 422]).toContain(proto.status);
      const row = await t.users.findOneByOrFail({ email: 'amy@example.com' });
      expect(row).toMatchObject({ isSuperuser: false, isActive: true, isVerified: false });
      await login(t.server, 'amy@example.com');
    });

    it('changes the email only with the current password (unverifying it), unless another user has it in any case', async () => {
      await register(t.server, 'bob@example.com');
      await register(t.server, 'taken@example.com');
      await t.users.update({ email: 'bob@example.com' }, { isVerified: true });
      const token = await login(t.server, 'bob@example.com');
      const wrongPassword = { statusCode: 400, detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: expect.any(String) } };
      // Without the password a stolen session can neither move the account nor learn that an address is taken.
      for (const body of [
        { email: 'robert@example.com' },
        { email: 'robert@example.com', currentPassword: 'wrong password' },
        { email: 'TAKEN@Example.com' },
      ]) {
        expect((await http().patch('/users/me').set(bearer(token)).send(body)).body, JSON.stringify(body)).toEqual(wrongPassword);
      }
      expect(await t.users.findOneByOrFail({ email: 'bob@example.com' })).toMatchObject({ isVerified: true });
      const clash = await http()
        .patch('/users/me')
        .set(bearer(token))
        .send({ email: 'TAKEN@Example.com', currentPassword: PASSWORD });
      expect(clash.body).toEqual({ statusCode: 400, detail: 'UPDATE_USER_EMAIL_ALREADY_EXISTS' });
      const same = await http().patch('/users/me').set(bearer(token)).send({ email: 'BOB@example.com' });
      expect(same.body).toMatchObject({ email: 'bob@example.com', isVerified: true });
      const moved = await http()
        .patch('/users/me')
        .set(bearer(token))
        .send({ email: 'robert@example.com', currentPassword: PASSWORD });
      expect(moved.body).toMatchObject({ email: 'robert@example.com', isVerified: false });
    });

    it('changes the password only with the current one, and ends earlier sessions', async () => {
      await register(t.server, 'cat@example.com');
      const token = await login(t.server, 'cat@example.com');
      for (const body of [{ password: 'a new password!' }, { password: 'a new password!', currentPassword: 'wrong password' }]) {
        const refused = await http().patch('/users/me').set(bearer(token)).send(body);
        expect(refused.body).toEqual({
          statusCode: 400,
          detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: expect.any(String) },
        });
      }
      const weak = await http().patch('/users/me').set(bearer(token)).send({ password: 'short', currentPassword: PASSWORD });
      expect(weak.body.detail.code).toBe('UPDATE_USER_INVALID_PASSWORD');
      const changed = await http()
        .patch('/users/me')
        .set(bearer(token))
        .send({ password: 'a new password!', currentPassword: PASSWORD });
      expect(changed.status).toBe(200);
      expectNoSecrets(changed.body);
      expect((await http().get('/users/me').set(bearer(token))).status).toBe(401);
      const fresh = await login(t.server, 'cat@example.com', 'a new password!');
      expect((await http().get('/users/me').set(bearer(fresh))).status).toBe(200);
      const update = t.manager
        .callsOf('onAfterUpdate')
        .find(
          ([user, changes]) =>
            (user as { email: string }).email === 'cat@example.com' && (changes as { password?: boolean }).password,
        );
      expect(update?.[1]).toEqual({ password: true });
    });
  });

  describe.skipIf(skip)('superuser routes', () => {
    let admin: string;
    let plain: string;
    let targetId: string;
    beforeAll(async () => {
      await register(t.server, 'root@example.com');
      await t.users.update({ email: 'root@example.com' }, { isSuperuser: true });
      admin = await login(t.server, 'root@example.com');
      await register(t.server, 'joe@example.com');
      plain = await login(t.server, 'joe@example.com');
      targetId = (await register(t.server, 'target@example.com')).id as string;
    });

    it('answers 403 to non-superusers before looking anything up, and 401 to strangers', async () => {
      for (const id of [targetId, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        for (const method of ['get', 'patch', 'delete'] as const) {
          const response = await http()
            [method](`/users/${id}`)
            .set(bearer(plain))
            .send(method === 'patch' ? { isSuperuser: true } : undefined);
          expect(response.status, `${method} ${id}`).toBe(403);
        }
        expect((await http().get(`/users/${id}`)).status).toBe(401);
      }
      expect((await t.users.findOneByOrFail({ id: targetId })).isSuperuser).toBe(false);
    });

    it('reads, updates (flags included) and deletes; unknown and malformed ids are 404', async () => {
      const read = await http().get(`/users/${targetId}`).set(bearer(admin));
      expect(read.body).toMatchObject({ id: targetId, email: 'target@example.com' });
      expectNoSecrets(read.body);
      const patched = await http()
        .patch(`/users/${targetId}`)
        .set(bearer(admin))
        .send({ isVerified: true, isSuperuser: true, email: 'Target2@example.com' });
      expect(patched.body).toMatchObject({ id: targetId, email: 'target2@example.com', isVerified: true, isSuperuser: true });
      const clash = await http().patch(`/users/${targetId}`).set(bearer(admin)).send({ email: 'JOE@example.com' });
      expect(clash.body.detail).toBe('UPDATE_USER_EMAIL_ALREADY_EXISTS');
      const newPassword = await http().patch(`/users/${targetId}`).set(bearer(admin)).send({ password: 'set by the admin' });
      expect(newPassword.status).toBe(200);
      await login(t.server, 'target2@example.com', 'set by the admin');

      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '1']) {
        for (const method of ['get', 'patch', 'delete'] as const) {
          const response = await http()
            [method](`/users/${id}`)
            .set(bearer(admin))
            .send(method === 'patch' ? { isVerified: true } : undefined);
          expect(response.status, `${method} ${id}`).toBe(404);
          expect(response.body).toEqual({ statusCode: 404, detail: 'Not Found' });
        }
      }
      const deleted = await http().delete(`/users/${targetId}`).set(bearer(admin));
      expect(deleted.status).toBe(204);
      expect((await http().get(`/users/${targetId}`).set(bearer(admin))).status).toBe(404);
      expect(t.manager.callsOf('onBeforeDelete').map(([u]) => (u as { id: string }).id)).toEqual([targetId]);
      expect(t.manager.callsOf('onAfterDelete').map(([u]) => (u as { id: string }).id)).toEqual([targetId]);
    });
  });

  it.skipIf(skip)('answers as usual when an after-hook throws once the write is done (the error is logged)', async () => {
    const email = 'explode-hooks@example.com';
    const created = await register(t.server, email);
    expect(await idOf(email)).toBe(created.id);
    const token = await login(t.server, email);
    const renamed = await http().patch('/users/me').set(bearer(token)).send({ email: 'EXPLODE-hooks@example.com' });
    expect(renamed.status).toBe(200);
    await http().post('/auth/request-verify-token').send({ email });
    expect(
      (
        await http()
          .post('/auth/verify')
          .send({ token: await mailed('onAfterRequestVerify', email) })
      ).status,
    ).toBe(200);
    await http().post('/auth/forgot-password').send({ email });
    expect(
      (
        await http()
          .post('/auth/reset-password')
          .send({ token: await mailed('onAfterForgotPassword', email), password: 'hooks new secret' })
      ).status,
    ).toBe(200);
    await register(t.server, 'hook-admin@example.com');
    await t.users.update({ email: 'hook-admin@example.com' }, { isSuperuser: true });
    const admin = await login(t.server, 'hook-admin@example.com');
    expect((await http().delete(`/users/${created.id}`).set(bearer(admin))).status).toBe(204);
    expect(await t.users.findOneBy({ email })).toBeNull();
    const thrown = ['onAfterRegister', 'onAfterLogin', 'onAfterUpdate', 'onAfterVerify', 'onAfterResetPassword', 'onAfterDelete'];
    for (const hook of thrown) {
      expect(
        t.manager.callsOf(hook).some(([user]) => (user as { email: string }).email === email),
        hook,
      ).toBe(true);
    }
  });

  it.skipIf(skip)('calls register and login hooks once, with the user, the request and the answer', async () => {
    const before = t.manager.calls.length;
    const created = await register(t.server, 'hooked@example.com');
    await login(t.server, 'hooked@example.com');
    const calls = t.manager.calls.slice(before);
    expect(calls.map((call) => call.hook)).toEqual(['onAfterRegister', 'onAfterLogin']);
    expect((calls[0]!.args[0] as { id: string }).id).toBe(created.id);
    expect(calls[0]!.args[1]).toHaveProperty('headers');
    expect(calls[1]!.args[2]).toMatchObject({ status: 200, body: { token_type: 'bearer' } });
    expect(await idOf('hooked@example.com')).toBe(created.id);
  });
});
