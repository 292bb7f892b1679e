import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserManager } from '@nest-users/core';
import { GatedUserManager, type Gate } from '../fixtures/gated-user-manager.js';
import { PASSWORD, register } from '../fixtures/http.js';
import type { Platform } from '../fixtures/test-app.js';
import { createTokenApp, type TokenApp } from '../fixtures/token-app.js';
import { createTokenStores, storeAvailable, type StoreKind, type TokenStores } from '../fixtures/token-stores.js';

const variants: Array<[Platform, StoreKind]> = (['express', 'fastify'] as const).flatMap((platform) =>
  (['sqlite', 'postgres', 'redis'] as const).map((kind): [Platform, StoreKind] => [platform, kind]),
);
for (const kind of ['postgres', 'redis'] as const) {
  if (!storeAvailable(kind))
    console.warn(`token-kinds-and-sessions: ${kind} stores skipped: TEST_${kind.toUpperCase()}_URL is not set.`);
}

/** How many logins (and refreshes) are held in flight while the password changes. */
const RACERS = 12;

describe.each(variants)('stored token kinds, sessions and the credential (%s, %s tokens)', (platform, kind) => {
  let t: TokenApp;
  let stores: TokenStores;
  let manager: GatedUserManager;
  const http = () => request(t.server as never);
  const loginOn = async (backend: string, email: string, password = PASSWORD) => {
    const response = await http().post(`/auth/${backend}/login`).type('form').send({ username: email, password });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { access_token: string; refresh_token: string };
  };
  const me = (token: string) => http().get('/users/me').set('Authorization', `Bearer ${token}`);
  const refresh = (backend: string, token: string) => http().post(`/auth/${backend}/refresh`).send({ refresh_token: token });

  beforeAll(async () => {
    if (!storeAvailable(kind)) return;
    stores = await createTokenStores(kind);
    t = await createTokenApp(platform, stores, { userManager: GatedUserManager });
    manager = t.app.get(UserManager) as GatedUserManager;
    for (const email of ['kim@example.com', 'lou@example.com', 'max@example.com', 'ned@example.com'])
      await register(t.server, email);
  });
  afterAll(async () => {
    await t?.close();
    await stores?.close();
  });

  describe.skipIf(!storeAvailable(kind))('token kinds', () => {
    it('refuses a refresh token as a bearer and an access token at refresh, though one store holds both', async () => {
      const { access_token: access, refresh_token: refreshToken } = await loginOn('db', 'kim@example.com');
      expect((await me(refreshToken)).status).toBe(401);
      expect((await http().post('/auth/db/logout').set('Authorization', `Bearer ${refreshToken}`)).status).toBe(401);
      expect((await http().post('/auth/db/logout-all').set('Authorization', `Bearer ${refreshToken}`)).status).toBe(401);
      // Twice: a second try must not look like a reuse that revokes the session either.
      expect((await refresh('db', access)).status).toBe(401);
      expect((await refresh('db', access)).status).toBe(401);
      // Refused, not spent: both still do their own job.
      expect((await me(access)).status).toBe(200);
      const rotated = await refresh('db', refreshToken);
      expect(rotated.status).toBe(200);
      expect((await me(rotated.body.refresh_token)).status).toBe(401);
      expect((await refresh('db', rotated.body.access_token)).status).toBe(401);
      expect((await me(rotated.body.access_token)).status).toBe(200);
    });
  });

  describe.skipIf(!storeAvailable(kind))('logout', () => {
    it.each(['db', 'jwt'])('on %s ends the refresh family of the session it logs out, and no other session', async (backend) => {
      const ended = await loginOn(backend, 'lou@example.com');
      const other = await loginOn(backend, 'lou@example.com');
      // A rotated session: the access token to log out with was issued by the refresh, not by the login.
      const rotated = await refresh(backend, ended.refresh_token);
      expect(rotated.status).toBe(200);
      expect(
        (await http().post(`/auth/${backend}/logout`).set('Authorization', `Bearer ${rotated.body.access_token}`)).status,
      ).toBe(204);
      expect((await refresh(backend, rotated.body.refresh_token)).status).toBe(401);
      expect((await refresh(backend, other.refresh_token)).status).toBe(200);
    });

    it('on a cookie backend ends the refresh cookie of the session too', async () => {
      // A browser's same-origin requests: the cookie transport refuses unsafe requests that do not say where they come from.
      const sameOrigin = (test: request.Test) => test.set('Sec-Fetch-Site', 'same-origin');
      const login = await sameOrigin(http().post('/auth/cookie/login'))
        .type('form')
        .send({ username: 'lou@example.com', password: PASSWORD });
      expect(login.status).toBe(204);
      const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0]!);
      const access = cookies.find((cookie) => cookie.startsWith('__Host-nest-users-auth='))!;
      const refreshCookie = cookies.find((cookie) => cookie.startsWith('__Host-nest-users-auth-refresh='))!;
      expect(access && refreshCookie).toBeTruthy();
      expect((await sameOrigin(http().post('/auth/cookie/logout')).set('Cookie', access)).status).toBe(204);
      expect((await sameOrigin(http().post('/auth/cookie/refresh')).set('Cookie', refreshCookie)).status).toBe(401);
    });
  });

  describe.skipIf(!storeAvailable(kind))('tokens bound to the password', () => {
    /** Changes the password of `email` while `held` requests wait at a gate, then lets them finish. */
    async function changePasswordWhile(email: string, gate: Gate, fire: () => request.Test[]): Promise<request.Response[]> {
      const bearer = (await loginOn('jwt', email)).access_token;
      const held = gate.arm(RACERS);
      // A supertest request is sent when it is awaited: start them all now.
      const inFlight = fire().map((pending) => Promise.resolve(pending));
      await held;
      const changed = await http()
        .patch('/users/me')
        .set('Authorization', `Bearer ${bearer}`)
        .send({ password: `${email} new password`, currentPassword: PASSWORD });
      expect(changed.status).toBe(200);
      gate.release();
      return Promise.all(inFlight);
    }

    it(`lets no token survive of ${RACERS} logins that verified the old password before it changed`, async () => {
      const logins = await changePasswordWhile('max@example.com', manager.authenticated, () =>
        Array.from({ length: RACERS }, (_, i) =>
          http()
            .post(`/auth/${i % 2 ? 'db' : 'jwt'}/login`)
            .type('form')
            .send({ username: 'max@example.com', password: PASSWORD }),
        ),
      );
      for (const [i, login] of logins.entries()) {
        // They verified the old password, so they answer tokens: tokens minted from a credential that is gone.
        expect(login.status).toBe(200);
        const backend = i % 2 ? 'db' : 'jwt';
        expect((await me(login.body.access_token)).status, `${backend} access token`).toBe(401);
        expect((await refresh(backend, login.body.refresh_token)).status, `${backend} refresh token`).toBe(401);
      }
      expect((await me((await loginOn('db', 'max@example.com', 'max@example.com new password')).access_token)).status).toBe(200);
    });

    it(`lets no token survive of ${RACERS} refreshes that read the user before the password changed`, async () => {
      const sessions: Array<{ backend: string; refresh_token: string }> = [];
      for (let i = 0; i < RACERS; i++) {
        const backend = i % 2 ? 'db' : 'jwt';
        sessions.push({ backend, ...(await loginOn(backend, 'ned@example.com')) });
      }
      const refreshed = await changePasswordWhile('ned@example.com', manager.loaded, () =>
        sessions.map(({ backend, refresh_token }) => refresh(backend, refresh_token)),
      );
      for (const [i, answer] of refreshed.entries()) {
        const { backend } = sessions[i]!;
        // Each read the user before the change, so each answers a new pair: minted from a credential that is gone.
        expect(answer.status).toBe(200);
        expect((await me(answer.body.access_token)).status, `${backend} access token`).toBe(401);
        expect((await refresh(backend, answer.body.refresh_token)).status, `${backend} refresh token`).toBe(401);
      }
    });
  });
});
