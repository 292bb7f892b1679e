import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserManager } from '@nest-users/core';
// Internal: mints the reset token a mail hook would have received.
import { UserTokens } from '../../packages/core/src/manager/user-tokens.js';
import { PASSWORD, register } from '../fixtures/http.js';
import type { Platform } from '../fixtures/test-app.js';
import { createTokenApp, type TokenApp } from '../fixtures/token-app.js';
import { createTokenStores, storeAvailable, type StoreKind, type TokenStores } from '../fixtures/token-stores.js';

const variants: Array<[Platform, StoreKind]> = [
  ['express', 'memory'],
  ['fastify', 'memory'],
  ['express', 'sqlite'],
  ['fastify', 'postgres'],
  ['express', 'redis'],
  ['fastify', 'redis'],
];
for (const kind of ['postgres', 'redis'] as const) {
  if (!storeAvailable(kind))
    console.warn(`transports-and-strategies: ${kind} stores skipped: TEST_${kind.toUpperCase()}_URL is not set.`);
}

describe.each(variants)('cookie transport, stored tokens, refresh rotation (%s, %s tokens)', (platform, kind) => {
  let t: TokenApp;
  let stores: TokenStores;
  const http = () => request(t.server as never);
  const form = (username: string, password = PASSWORD) => ({ username, password });
  const cookiesOf = (response: request.Response): string[] => ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const cookieValue = (response: request.Response, name: string) =>
    cookiesOf(response)
      .find((cookie) => cookie.startsWith(`${name}=`))
      ?.split(';')[0]!
      .slice(name.length + 1);
  const ACCESS = '__Host-nest-users-auth';
  const REFRESH = '__Host-nest-users-auth-refresh';
  /** A state-changing request as a browser sends it from the app's own pages. */
  const sameOrigin = (test: request.Test) => test.set('Sec-Fetch-Site', 'same-origin');
  const cookieLogin = async (email: string) => {
    const login = await sameOrigin(http().post('/auth/cookie/login')).type('form').send(form(email));
    expect(login.status, JSON.stringify(login.body)).toBe(204);
    return login;
  };

  beforeAll(async () => {
    if (!storeAvailable(kind)) return;
    stores = await createTokenStores(kind);
    t = await createTokenApp(platform, stores);
    for (const email of ['cora@example.com', 'stan@example.com', 'rex@example.com', 'dee@example.com'])
      await register(t.server, email);
  });
  afterAll(async () => {
    await t?.close();
    await stores?.close();
  });

  describe.skipIf(!storeAvailable(kind))('cookie backend', () => {
    it('logs in with 204 and a hardened cookie, and the cookie authenticates', async () => {
      const login = await cookieLogin('cora@example.com');
      expect(login.text).toBe('');
      expect(login.headers['cache-control']).toBe('no-store');
      const access = cookiesOf(login).find((c) => c.startsWith(`${ACCESS}=`))!;
      expect(access).toMatch(/; Max-Age=3600/);
      expect(access).toMatch(/; Path=\//);
      expect(access).toMatch(/; HttpOnly/);
      expect(access).toMatch(/; Secure/);
      expect(access).toMatch(/; SameSite=Lax/i);
      expect(access.length).toBeLessThan(4096);
      const cookie = `${ACCESS}=${cookieValue(login, ACCESS)}`;
      const me = await http().get('/users/me').set('Cookie', cookie);
      expect(me.body.email).toBe('cora@example.com');
      expect(me.headers['cache-control']).toBe('no-store');
      // The cookie's JWT is not a bearer token of another backend, and a bearer header is no cookie.
      expect((await http().get('/probe/jwt-only').set('Cookie', cookie)).status).toBe(401);
      expect(
        (
          await http()
            .get('/users/me')
            .set('Authorization', `Bearer ${cookieValue(login, ACCESS)}`)
        ).status,
      ).toBe(401);
      // Only the prefixed name counts: a cookie without the prefix can be planted by a sibling subdomain.
      expect(
        (
          await http()
            .get('/users/me')
            .set('Cookie', `nest-users-auth=${cookieValue(login, ACCESS)}`)
        ).status,
      ).toBe(401);
    });

    it('refuses a request carrying the auth cookie twice, whichever comes first', async () => {
      const victim = cookieValue(await cookieLogin('cora@example.com'), ACCESS)!;
      const attacker = cookieValue(await cookieLogin('stan@example.com'), ACCESS)!;
      const me = (cookie: string | string[]) =>
        http()
          .get('/users/me')
          .set('Cookie', ([] as string[]).concat(cookie));
      for (const cookie of [
        `${ACCESS}=${attacker}; ${ACCESS}=${victim}`,
        `${ACCESS}=${victim}; ${ACCESS}=${attacker}`,
        `${ACCESS}=${victim}; other=1;${ACCESS}=${victim}`,
        `${ACCESS}=; ${ACCESS}=${victim}`,
        `  ${ACCESS}=${attacker} ;\t${ACCESS} =${victim}`,
        [`${ACCESS}=${attacker}`, `${ACCESS}=${victim}`], // two Cookie header lines
      ]) {
        const response = await me(cookie);
        expect(response.status, JSON.stringify(cookie)).toBe(401);
        expect(response.body).toEqual({ statusCode: 401, detail: 'Unauthorized' });
      }
      const logout = await sameOrigin(http().post('/auth/cookie/logout')).set(
        'Cookie',
        `${ACCESS}=${attacker}; ${ACCESS}=${victim}`,
      );
      expect(logout.status).toBe(401);
      // Other names are not duplicates: names are case-sensitive, and the unprefixed name is another cookie.
      for (const cookie of [
        `nest-users-auth=${attacker}; ${ACCESS}=${victim}`,
        `__host-nest-users-auth=${attacker}; ${ACCESS}=${victim}; __HOST-nest-users-auth=${attacker}`,
        `${ACCESS}-x=${attacker}; ${ACCESS}=${victim}; ${REFRESH}=r`,
      ]) {
        expect((await me(cookie)).body.email, cookie).toBe('cora@example.com');
      }
    });

    it('refuses a refresh carrying the refresh cookie twice', async () => {
      const [first, second] = [await cookieLogin('cora@example.com'), await cookieLogin('cora@example.com')];
      const cookie = `${REFRESH}=${cookieValue(first, REFRESH)}; ${REFRESH}=${cookieValue(second, REFRESH)}`;
      expect((await sameOrigin(http().post('/auth/cookie/refresh')).set('Cookie', cookie)).status).toBe(401);
      // Neither token was spent by the refused request.
      expect(
        (await sameOrigin(http().post('/auth/cookie/refresh')).set('Cookie', `${REFRESH}=${cookieValue(second, REFRESH)}`))
          .status,
      ).toBe(204);
    });

    it('refuses cookie-authenticated state changes from another site (CSRF), accepts same-origin and trusted ones', async () => {
      const login = await cookieLogin('cora@example.com');
      const cookie = `${ACCESS}=${cookieValue(login, ACCESS)}`;
      const patch = () => http().patch('/users/me').set('Cookie', cookie).send({});
      expect((await patch().set('Origin', 'https://evil.example')).status).toBe(403);
      expect((await patch().set('Sec-Fetch-Site', 'cross-site').set('Origin', 'https://evil.example')).status).toBe(403);
      expect((await patch().set('Sec-Fetch-Site', 'same-site')).status).toBe(403);
      expect((await patch().set('Origin', 'null')).status).toBe(403);
      expect((await patch().set('Sec-Fetch-Site', 'same-origin')).status).toBe(200);
      expect((await patch().set('Origin', 'https://app.example.com').set('Sec-Fetch-Site', 'cross-site')).status).toBe(200);
      // No Fetch Metadata and no Origin (older browsers): the Referer names the sender.
      expect((await patch().set('Referer', 'https://evil.example/page')).status).toBe(403);
      expect((await patch().set('Referer', 'not a url')).status).toBe(403);
      expect((await patch().set('Referer', 'https://app.example.com/settings')).status).toBe(200);
      const own = () => patch().set('Host', 'app.test');
      expect((await own().set('Referer', 'http://app.test/settings')).status).toBe(200);
      expect((await own().set('Referer', 'https://app.test/settings')).status).toBe(200);
      expect((await own().set('Referer', 'http://app.test.evil.example/')).status).toBe(403);
      // An Origin that is present decides, whatever the Referer says.
      expect((await own().set('Origin', 'https://evil.example').set('Referer', 'http://app.test/')).status).toBe(403);
      // None of the three: refused by default (OWASP); every current browser sends Origin on such requests.
      expect((await patch()).status).toBe(403);
      // Reads are not state changes.
      expect((await http().get('/users/me').set('Cookie', cookie).set('Origin', 'https://evil.example')).status).toBe(200);
      // Login CSRF: another site cannot log this browser into an account.
      const forged = await http()
        .post('/auth/cookie/login')
        .set('Origin', 'https://evil.example')
        .type('form')
        .send(form('cora@example.com'));
      expect(forged.status).toBe(403);
      const referred = await http()
        .post('/auth/cookie/login')
        .set('Referer', 'https://evil.example/')
        .type('form')
        .send(form('cora@example.com'));
      expect(referred.status).toBe(403);
      // A text/plain body (a "simple" cross-site request) never reaches the handler.
      expect(
        (await http().patch('/users/me').set('Cookie', cookie).set('Content-Type', 'text/plain').send('{"email":"x@evil.io"}'))
          .status,
      ).toBe(415);
    });

    it('logs out with 204, clearing the cookies with the same attributes', async () => {
      const login = await cookieLogin('cora@example.com');
      const cookie = `${ACCESS}=${cookieValue(login, ACCESS)}`;
      expect((await http().get('/auth/cookie/logout').set('Cookie', cookie)).status).toBe(404);
      const logout = await sameOrigin(http().post('/auth/cookie/logout')).set('Cookie', cookie);
      expect(logout.status).toBe(204);
      expect(logout.headers['cache-control']).toBe('no-store');
      const cleared = cookiesOf(logout).find((c) => c.startsWith(`${ACCESS}=`))!;
      expect(cleared).toMatch(new RegExp(`^${ACCESS}=;`));
      expect(cleared).toMatch(/Max-Age=0/);
      expect(cleared).toMatch(/HttpOnly/);
      expect(cleared).toMatch(/Secure/);
      expect(cleared).toMatch(/SameSite=Lax/i);
      expect(cleared).toMatch(/Path=\//);
    });

    it('rotates the refresh cookie', async () => {
      const login = await cookieLogin('cora@example.com');
      const refresh = cookieValue(login, REFRESH)!;
      const rotated = await sameOrigin(http().post('/auth/cookie/refresh')).set('Cookie', `${REFRESH}=${refresh}`);
      expect(rotated.status).toBe(204);
      expect(rotated.headers['cache-control']).toBe('no-store');
      expect(cookieValue(rotated, REFRESH)).not.toBe(refresh);
      expect((await sameOrigin(http().post('/auth/cookie/refresh')).set('Cookie', `${REFRESH}=${refresh}`)).status).toBe(401);
    });
  });

  describe.skipIf(!storeAvailable(kind))('stored opaque tokens', () => {
    const loginStored = async (email: string, password = PASSWORD) => {
      const response = await http().post('/auth/stored/login').type('form').send(form(email, password));
      expect(response.status).toBe(200);
      return response.body.access_token as string;
    };

    it('are opaque, stored only as hashes, and die at logout', async () => {
      const token = await loginStored('stan@example.com');
      expect(token).toMatch(/^[\w-]{43}$/);
      expect(await stores.dump()).not.toContain(token);
      const me = () => http().get('/users/me').set('Authorization', `Bearer ${token}`);
      expect((await me()).status).toBe(200);
      expect((await http().post('/auth/stored/logout').set('Authorization', `Bearer ${token}`)).status).toBe(204);
      expect((await me()).status).toBe(401);
      expect((await http().post('/auth/stored/logout').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    });

    it('all end with logout-all, and with a password change or a deactivation', async () => {
      const [a, b] = [await loginStored('stan@example.com'), await loginStored('stan@example.com')];
      const me = (token: string) => http().get('/users/me').set('Authorization', `Bearer ${token}`);
      expect((await http().post('/auth/stored/logout-all').set('Authorization', `Bearer ${a}`)).status).toBe(204);
      expect((await me(a)).status).toBe(401);
      expect((await me(b)).status).toBe(401);

      const c = await loginStored('stan@example.com');
      const d = await loginStored('stan@example.com');
      const changed = await http()
        .patch('/users/me')
        .set('Authorization', `Bearer ${c}`)
        .send({ password: 'another long secret', currentPassword: PASSWORD });
      expect(changed.status).toBe(200);
      expect((await me(c)).status).toBe(401);
      expect((await me(d)).status).toBe(401);
      expect(await stores.dump()).not.toContain(changed.body.id);
    });

    it('end with a password reset, and with a deactivation by a superuser', async () => {
      const token = await loginStored('dee@example.com');
      const me = (bearer: string) => http().get('/users/me').set('Authorization', `Bearer ${bearer}`);
      const manager = t.app.get(UserManager);
      const dee = await manager.getByEmail('dee@example.com');
      const resetToken = t.app.get(UserTokens).createResetToken(dee);
      await http().post('/auth/reset-password').send({ token: resetToken, password: 'dee new password' }).expect(200);
      expect((await me(token)).status).toBe(401);

      const again = await loginStored('dee@example.com', 'dee new password');
      await t.users.update({ email: 'cora@example.com' }, { isSuperuser: true });
      const admin = await loginStored('cora@example.com');
      await http().patch(`/users/${dee.id}`).set('Authorization', `Bearer ${admin}`).send({ isActive: false }).expect(200);
      expect((await me(again)).status).toBe(401);
      expect(await stores.dump()).not.toContain(dee.id);
    });
  });

  describe.skipIf(!storeAvailable(kind))('refresh tokens on a bearer backend', () => {
    it('rotate, and a reused one revokes its whole family', async () => {
      const login = await http().post('/auth/jwt/login').type('form').send(form('rex@example.com'));
      expect(login.body).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        refresh_token: expect.stringMatching(/^[\w-]{43}$/),
      });
      const first = login.body.refresh_token as string;

      const rotated = await http()
        .post('/auth/jwt/refresh')
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: first });
      expect(rotated.status).toBe(200);
      expect(rotated.headers['cache-control']).toBe('no-store');
      const second = rotated.body.refresh_token as string;
      expect(second).not.toBe(first);
      expect((await http().get('/users/me').set('Authorization', `Bearer ${rotated.body.access_token}`)).status).toBe(200);

      // The first token is replayed (stolen): refused, and the legitimate holder's newer token dies with it.
      expect((await http().post('/auth/jwt/refresh').send({ refresh_token: first })).status).toBe(401);
      expect((await http().post('/auth/jwt/refresh').send({ refresh_token: second })).status).toBe(401);
      expect(await stores.dump()).not.toContain(second);
    });

    it('lets exactly one of 10 concurrent refreshes with one token win', async () => {
      const login = await http().post('/auth/jwt/login').type('form').send(form('rex@example.com'));
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => http().post('/auth/jwt/refresh').send({ refresh_token: login.body.refresh_token })),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    });

    it('refuses garbage, missing and foreign refresh tokens; 404 where refresh is off', async () => {
      for (const body of [{}, { refresh_token: 'x' }, { refresh_token: 'a'.repeat(43) }, { refresh_token: 1 }]) {
        expect([401, 422]).toContain((await http().post('/auth/jwt/refresh').send(body)).status);
      }
      const login = await http().post('/auth/jwt/login').type('form').send(form('rex@example.com'));
      expect([401, 422]).toContain(
        (await http().post('/auth/jwt/refresh').send({ refresh_token: login.body.access_token })).status,
      );
      expect((await http().post('/auth/stored/refresh').send({ refresh_token: login.body.refresh_token })).status).toBe(404);
    });

    it('end when the password is reset or changed', async () => {
      const login = await http().post('/auth/jwt/login').type('form').send(form('rex@example.com'));
      await http()
        .patch('/users/me')
        .set('Authorization', `Bearer ${login.body.access_token}`)
        .send({ password: 'rex new password', currentPassword: PASSWORD })
        .expect(200);
      expect((await http().post('/auth/jwt/refresh').send({ refresh_token: login.body.refresh_token })).status).toBe(401);
    });
  });

  it.skipIf(!storeAvailable(kind))('documents a cookie scheme for the cookie backend, and the new routes', () => {
    expect(t.document.components!.securitySchemes!.cookie).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'cookie', name: '__Host-nest-users-auth' }),
    );
    const paths = Object.keys(t.document.paths);
    for (const path of ['/auth/jwt/refresh', '/auth/stored/logout-all', '/auth/cookie/logout']) expect(paths).toContain(path);
    expect(Object.keys(t.document.paths['/auth/cookie/login']!.post!.responses)).toContain('204');
  });
});
