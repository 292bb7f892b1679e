import { randomUUID } from 'node:crypto';
import { hash as bcrypt } from '@node-rs/bcrypt';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, login, PASSWORD, register } from '../fixtures/http.js';
import { createTestApp, POSTGRES_URL, type Database, type Platform, type TestApp } from '../fixtures/test-app.js';

const variants: Array<[Platform, Database]> = [
  ['express', 'sqlite'],
  ['fastify', 'sqlite'],
  ['express', 'postgres'],
  ['fastify', 'postgres'],
];
if (!POSTGRES_URL) console.warn('emails: PostgreSQL variants skipped: TEST_POSTGRES_URL is not set.');

/** Emails that must never be stored, mailed or looked up: each gets 422 wherever an email comes in. */
const UNSAFE_EMAILS: Array<[string, string]> = [
  ['CR LF in a quoted local part (forged log line)', '"a\r\nforged LOG [Nest] admin logged in"@example.com'],
  ['CR LF unquoted', 'a\r\nforged@example.com'],
  ['ESC (terminal escape)', 'a\u001b[2J@example.com'],
  ['ESC in a quoted local part', '"a\u001b[2J"@example.com'],
  ['TAB in a quoted local part', '"a\tb"@example.com'],
  ['NUL', 'a\u0000@example.com'],
  ['TAB', 'a\tb@example.com'],
  ['a space', 'a b@example.com'],
  ['a trailing space', 'owner@example.com '],
  ['zero-width space U+200B', 'own\u200ber@example.com'],
  ['zero-width joiner U+200D', 'own\u200der@example.com'],
  ['word joiner U+2060', 'own\u2060er@example.com'],
  ['byte order mark U+FEFF', '\ufeffowner@example.com'],
  ['bidi override U+202E', 'owner\u202e@example.com'],
  ['a quoted local part', '"owner"@example.com'],
  ['a comma list', 'attacker@x.io,owner@example.com'],
];

describe.each(variants)('emails cannot collide or inject (%s, %s)', (platform, database) => {
  const skip = database === 'postgres' && !POSTGRES_URL;
  let t: TestApp;
  let http: () => ReturnType<typeof request>;
  let ownerToken: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const tryLogin = (username: string, password = PASSWORD) =>
    http().post('/auth/jwt/login').type('form').send({ username, password });
  /** The users the mail hooks of that kind were called with (the stored addresses). */
  const mailedTo = async (hook: string) => {
    await t.background.drain();
    return t.manager.callsOf(hook).map(([user]) => (user as { email: string }).email);
  };
  const tokenMailedTo = async (hook: string, email: string) => {
    await t.background.drain();
    return t.manager
      .callsOf(hook)
      .filter(([user]) => (user as { email: string }).email === email)
      .at(-1)?.[1] as string;
  };
  const expectEmailRefused = (response: request.Response, field = 'email') => {
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.detail.map((issue: { loc: string[] }) => issue.loc.at(-1))).toContain(field);
    expectNoSecrets(response.body);
  };

  /** A row written with raw SQL, as a copy of a fastapi-users table holds it: the email as typed, a bcrypt hash. */
  const insertLegacyUser = async (email: string): Promise<string> => {
    const id = randomUUID();
    const { schema } = t.users.metadata;
    const table = schema ? `"${schema}"."user"` : '"user"';
    const [p1, p2, p3] = database === 'postgres' ? ['$1', '$2', '$3'] : ['?', '?', '?'];
    await t.users.query(
      `INSERT INTO ${table} ("id", "email", "hashedPassword", "isActive", "isSuperuser", "isVerified")
       VALUES (${p1}, ${p2}, ${p3}, TRUE, FALSE, FALSE)`,
      [id, email, await bcrypt(PASSWORD, { cost: 4 })],
    );
    return id;
  };

  beforeAll(async () => {
    if (skip) return;
    t = await createTestApp({ platform, database });
    http = () => request(t.server as never);
    await register(t.server, 'owner@example.com');
    ownerToken = await login(t.server, 'owner@example.com');
  });
  afterAll(async () => t?.close());

  describe.skipIf(skip)('control, whitespace and invisible characters, and quoted local parts', () => {
    it.each(UNSAFE_EMAILS)(
      'answers 422 to %s on register, forgot-password, request-verify-token and PATCH /users/me',
      async (_name, email) => {
        const rows = await t.users.count();
        const hooks = t.manager.calls.length;
        expectEmailRefused(await http().post('/auth/register').send({ email, password: PASSWORD }));
        expectEmailRefused(await http().post('/auth/forgot-password').send({ email }));
        expectEmailRefused(await http().post('/auth/request-verify-token').send({ email }));
        expectEmailRefused(await http().patch('/users/me').set(bearer(ownerToken)).send({ email, currentPassword: PASSWORD }));
        await t.background.drain();
        expect(await t.users.count()).toBe(rows);
        expect(t.manager.calls.length, 'no hook may see the address').toBe(hooks);
        expect((await http().get('/users/me').set(bearer(ownerToken))).body.email).toBe('owner@example.com');
      },
    );

    it('answers 422 to each of them on PATCH /users/{id} too, for a superuser', async () => {
      await register(t.server, 'root@example.com');
      await t.users.update({ email: 'root@example.com' }, { isSuperuser: true });
      const root = await login(t.server, 'root@example.com');
      const target = (await register(t.server, 'target@example.com')).id as string;
      for (const [, email] of UNSAFE_EMAILS) {
        expectEmailRefused(await http().patch(`/users/${target}`).set(bearer(root)).send({ email }));
      }
      expect((await t.users.findOneByOrFail({ id: target })).email).toBe('target@example.com');
    });

    it('answers 422 to a login username holding such characters, and 400 to any other unknown username', async () => {
      for (const username of [
        'a\r\nforged@example.com',
        'owner\u001b@example.com',
        'own\u200ber@example.com',
        'owner@example.com\u202e',
        ' owner@example.com',
      ]) {
        expectEmailRefused(await tryLogin(username), 'username');
        expectEmailRefused(await http().post('/auth/jwt/login').send({ username, password: PASSWORD }), 'username');
      }
      for (const username of ["admin'--", "'OR'1'='1'--", '"owner"@example.com', 'owner@127.0.0.1']) {
        expect((await tryLogin(username)).body, username).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
      }
    });
  });

  describe.skipIf(skip)('one canonical form: NFKC, lower case, IDNA domain', () => {
    it('folds fullwidth look-alikes into one account, on register, login and forgot-password', async () => {
      const created = await register(t.server, '\uff58\uff45\uff4e\uff41@example.com');
      expect(created.email).toBe('xena@example.com');
      const duplicate = await http().post('/auth/register').send({ email: 'XENA@example.com', password: PASSWORD });
      expect(duplicate.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
      await login(t.server, 'xena@example.com');
      await login(t.server, '\uff38\uff25\uff2e\uff21@\uff45xample.com');
      expect((await http().post('/auth/forgot-password').send({ email: '\uff58ena@example.com' })).status).toBe(202);
      expect(await mailedTo('onAfterForgotPassword')).toContain('xena@example.com');
    });

    it('makes the Unicode and the punycode spelling of a domain one account, on every route', async () => {
      const created = await register(t.server, 'Jo@B\u00fccher.de');
      expect(created.email).toBe('jo@xn--bcher-kva.de');
      const duplicate = await http().post('/auth/register').send({ email: 'jo@xn--bcher-kva.de', password: PASSWORD });
      expect(duplicate.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
      expect(await t.users.countBy({ email: 'jo@xn--bcher-kva.de' })).toBe(1);
      const token = await login(t.server, 'jo@xn--bcher-kva.de');
      await login(t.server, 'JO@B\u00dcCHER.DE');

      await http().post('/auth/request-verify-token').send({ email: 'jo@b\u00fccher.de' });
      const verifyToken = await tokenMailedTo('onAfterRequestVerify', 'jo@xn--bcher-kva.de');
      expect(verifyToken).toBeDefined();
      expect((await http().post('/auth/verify').send({ token: verifyToken })).body).toMatchObject({
        email: 'jo@xn--bcher-kva.de',
        isVerified: true,
      });

      // The own address in another spelling is no change (stays verified); another user's is taken.
      const same = await http()
        .patch('/users/me')
        .set(bearer(token))
        .send({ email: 'JO@b\u00fccher.de', currentPassword: PASSWORD });
      expect(same.body).toMatchObject({ email: 'jo@xn--bcher-kva.de', isVerified: true });
      const clash = await http()
        .patch('/users/me')
        .set(bearer(ownerToken))
        .send({ email: 'jo@B\u00dccher.de', currentPassword: PASSWORD });
      expect(clash.body).toEqual({ statusCode: 400, detail: 'UPDATE_USER_EMAIL_ALREADY_EXISTS' });
    });

    it('keeps different letters apart (a dotless i is not an i) and mails compatibility forms to the stored address', async () => {
      await register(t.server, 'mike@example.com');
      const lookalike = await register(t.server, 'm\u0131ke@example.com');
      expect(lookalike.email).toBe('m\u0131ke@example.com');
      await http().post('/auth/forgot-password').send({ email: 'm\u0131ke@example.com' });
      const mailed = (await mailedTo('onAfterForgotPassword')).filter((email) => email.endsWith('ke@example.com'));
      expect(mailed).toEqual(['m\u0131ke@example.com']);

      // KELVIN SIGN is K by Unicode's own equivalence: the same account, and the mail goes to the stored address.
      await register(t.server, 'king@example.com');
      const kelvin = await http().post('/auth/register').send({ email: '\u212aing@example.com', password: PASSWORD });
      expect(kelvin.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
      await http().post('/auth/forgot-password').send({ email: '\u212aing@example.com' });
      expect((await mailedTo('onAfterForgotPassword')).filter((email) => email.includes('ing@'))).toEqual(['king@example.com']);
    });
  });

  describe.skipIf(skip)('a database with mixed-case emails (copied from fastapi-users)', () => {
    it('logs the legacy user in by any spelling and upgrades the hash', async () => {
      const id = await insertLegacyUser('Legacy.User@Example.com');
      for (const username of ['legacy.user@example.com', 'Legacy.User@Example.com', 'LEGACY.USER@EXAMPLE.COM']) {
        const token = await login(t.server, username);
        expect((await http().get('/users/me').set(bearer(token))).body).toMatchObject({ id, email: 'Legacy.User@Example.com' });
      }
      expect((await t.users.findOneByOrFail({ id })).hashedPassword).toMatch(/^\$argon2id\$/);
      expect((await tryLogin('legacy.user@example.com', 'wrong password')).body.detail).toBe('LOGIN_BAD_CREDENTIALS');
    });

    it('refuses a second account on the legacy address, by register and by PATCH /users/me', async () => {
      await insertLegacyUser('Second.Legacy@Example.com');
      const rows = await t.users.count();
      for (const email of ['second.legacy@example.com', 'SECOND.LEGACY@example.com']) {
        const duplicate = await http().post('/auth/register').send({ email, password: PASSWORD });
        expect(duplicate.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
      }
      const moved = await http()
        .patch('/users/me')
        .set(bearer(ownerToken))
        .send({ email: 'second.legacy@example.com', currentPassword: PASSWORD });
      expect(moved.body).toEqual({ statusCode: 400, detail: 'UPDATE_USER_EMAIL_ALREADY_EXISTS' });
      expect(await t.users.count()).toBe(rows);
    });

    it('resets and verifies the legacy user, mailing the stored address', async () => {
      const id = await insertLegacyUser('Reset.Legacy@Example.com');
      await http().post('/auth/forgot-password').send({ email: 'reset.legacy@example.com' });
      const resetToken = await tokenMailedTo('onAfterForgotPassword', 'Reset.Legacy@Example.com');
      expect(resetToken).toBeDefined();
      expect((await http().post('/auth/reset-password').send({ token: resetToken, password: 'a brand new secret' })).status).toBe(
        200,
      );
      await login(t.server, 'reset.legacy@example.com', 'a brand new secret');

      await http().post('/auth/request-verify-token').send({ email: 'RESET.LEGACY@example.com' });
      const verifyToken = await tokenMailedTo('onAfterRequestVerify', 'Reset.Legacy@Example.com');
      const verified = await http().post('/auth/verify').send({ token: verifyToken });
      expect(verified.body).toMatchObject({ id, isVerified: true });
    });

    it('finds a legacy row whose domain was stored in Unicode by its IDNA spelling', async () => {
      const id = await insertLegacyUser('Ute@M\u00fcnchen.de');
      const token = await login(t.server, 'ute@xn--mnchen-3ya.de');
      expect((await http().get('/users/me').set(bearer(token))).body.id).toBe(id);
      const duplicate = await http().post('/auth/register').send({ email: 'ute@m\u00fcnchen.de', password: PASSWORD });
      expect(duplicate.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
    });
  });
});
