import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, login, register } from '../fixtures/http.js';
import { MYSQL_URL, POSTGRES_URL } from '../fixtures/test-app.js';
import { createOAuthTestApp, type OAuthTestApp } from './oauth-app.fixture.js';
import { signIn } from './oidc-provider.fixture.js';

const COOKIE = '__Host-nest-users-oauth';

interface Started {
  url: URL;
  /** The browser-binding cookie, as `name=value`. */
  cookie: string;
  state: string;
}

const variants: Array<['express' | 'fastify', 'sqlite' | 'postgres' | 'mysql']> = [
  ['express', 'sqlite'],
  ['fastify', 'sqlite'],
  ['express', 'postgres'],
  ['fastify', 'mysql'],
];
if (!POSTGRES_URL) console.warn('oauth-flow: the PostgreSQL variant is skipped: TEST_POSTGRES_URL is not set.');
if (!MYSQL_URL) console.warn('oauth-flow: the MySQL/MariaDB variant is skipped: TEST_MYSQL_URL is not set.');

describe.each(variants)('OAuth / OpenID Connect against a real provider (%s, %s)', (platform, database) => {
  const skip = (database === 'postgres' && !POSTGRES_URL) || (database === 'mysql' && !MYSQL_URL);
  let t: OAuthTestApp;
  const http = () => request(t.server as never);
  let seq = 0;
  /** A fresh account at the provider. */
  const person = (email: string | undefined, emailVerified = true) => {
    const id = `person-${++seq}-${randomBytes(4).toString('hex')}`;
    t.idp.accounts.set(id, { email, emailVerified });
    return id;
  };

  beforeAll(async () => {
    if (!skip) t = await createOAuthTestApp(platform, database);
  });
  afterAll(async () => t?.close());

  async function authorize(provider = 'oidc', bearer?: string): Promise<Started> {
    const path = bearer ? `/auth/associate/${provider}/authorize` : `/auth/${provider}/authorize`;
    const response = await http()
      .get(path)
      .set(bearer ? { Authorization: `Bearer ${bearer}` } : {});
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const url = new URL(response.body.authorization_url);
    const setCookie = [response.headers['set-cookie']].flat().find((line) => line?.startsWith(`${COOKIE}=`));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//i);
    return { url, cookie: setCookie!.split(';')[0]!, state: url.searchParams.get('state')! };
  }

  const callback = (provider: string, query: URLSearchParams | string, cookie?: string, bearer?: string, associate = false) =>
    http()
      .get(`/auth/${associate ? 'associate/' : ''}${provider}/callback?${query.toString()}`)
      .set({ ...(cookie ? { Cookie: cookie } : {}), ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) });

  /** authorize → provider login and consent → the redirect's query string. */
  async function throughProvider(accountId: string, provider = 'oidc', edit?: (url: URL) => void) {
    const started = await authorize(provider);
    edit?.(started.url);
    const back = await signIn(started.url.toString(), accountId);
    return { ...started, back };
  }

  it.skipIf(skip)('documents every OAuth route in Swagger, with security on the associate routes only', () => {
    const paths = t.document.paths;
    for (const name of ['oidc', 'strict']) {
      expect(paths[`/auth/${name}/authorize`]?.get?.operationId).toBe(`oauth:${name}.authorize`);
      expect(paths[`/auth/${name}/callback`]?.get?.operationId).toBe(`oauth:${name}.callback`);
      expect(paths[`/auth/${name}/authorize`]?.get?.security ?? []).toEqual([]);
      expect(paths[`/auth/associate/${name}/authorize`]?.get?.security?.length).toBeGreaterThan(0);
      expect(paths[`/auth/associate/${name}/callback`]?.get?.security?.length).toBeGreaterThan(0);
      const errors = Object.keys(
        (
          paths[`/auth/${name}/callback`]?.get?.responses['400'] as unknown as {
            content: { 'application/json': { examples: object } };
          }
        ).content['application/json'].examples,
      );
      expect(errors).toEqual(
        expect.arrayContaining([
          'OAUTH_INVALID_STATE',
          'ACCESS_TOKEN_DECODE_ERROR',
          'OAUTH_USER_ALREADY_EXISTS',
          'OAUTH_PROVIDER_ERROR',
        ]),
      );
    }
    // The callback answers as the provider's backend: a bearer token (200) or a cookie (204).
    expect(Object.keys(paths['/auth/oidc/callback']!.get!.responses)).toContain('200');
  });

  describe.skipIf(skip)('login', () => {
    it('authorize asks for the code flow with PKCE S256, a nonce, the configured redirect URL and a signed state', async () => {
      const { url } = await authorize();
      expect(url.origin).toBe(t.idp.issuer);
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('client_id')).toBe('nest-users-app');
      expect(url.searchParams.get('redirect_uri')).toBe('https://app.example.com/auth/oidc/callback');
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
      expect(url.searchParams.get('scope')).toBe('openid email profile');
      expect(url.searchParams.get('state')!.split('.')).toHaveLength(3);
    });

    it('the redirect URL never comes from the request', async () => {
      const response = await http()
        .get('/auth/oidc/authorize?redirect_uri=https://evil.example/cb&redirect_url=https://evil.example/cb')
        .set('Host', 'evil.example')
        .set('X-Forwarded-Host', 'evil.example');
      expect(new URL(response.body.authorization_url).searchParams.get('redirect_uri')).toBe(
        'https://app.example.com/auth/oidc/callback',
      );
    });

    it('signs up a new user, logs in with the backend, and reaches a protected route', async () => {
      const email = `new-${platform}-${database}@example.com`;
      const id = person(email);
      const { back, cookie } = await throughProvider(id);
      expect(`${back.origin}${back.pathname}`).toBe('https://app.example.com/auth/oidc/callback');
      expect(back.searchParams.get('code')).toBeTruthy();
      expect(back.searchParams.get('iss')).toBe(t.idp.issuer);

      const answer = await callback('oidc', back.searchParams, cookie);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.token_type).toBe('bearer');
      expect(answer.headers['cache-control']).toBe('no-store');
      // The binding is spent.
      expect([answer.headers['set-cookie']].flat().join()).toMatch(new RegExp(`${COOKIE}=;.*Max-Age=0`, 'i'));

      const me = await http().get('/users/me').set('Authorization', `Bearer ${answer.body.access_token}`);
      expect(me.status).toBe(200);
      // isVerifiedByDefault and a provider-verified email.
      expect(me.body).toMatchObject({ email, isActive: true, isVerified: true, isSuperuser: false });
      expectNoSecrets(me.body);

      const [row] = await t.accounts.findBy({ oauthName: 'oidc', accountId: id });
      expect(row).toMatchObject({ userId: me.body.id, accountEmail: email });
      // Provider tokens are stored encrypted, and the app can read them back.
      expect(row!.accessToken).toMatch(/^v1\./);
      const user = (await t.users.findOneBy({ id: me.body.id }))!;
      const tokens = await t.manager.getOAuthTokens(user, 'oidc', id);
      expect(tokens!.accessToken).toBeTruthy();
      expect(row!.accessToken).not.toContain(tokens!.accessToken!);
      // The user's password is random and unusable: no password login works with a guess.
      expect(user.hashedPassword).toMatch(/^\$argon2id\$/);
    });

    it('logs an existing OAuth account in again (same user) and refreshes its stored tokens', async () => {
      const id = person(`again-${platform}-${database}@example.com`);
      const first = await throughProvider(id);
      const one = await callback('oidc', first.back.searchParams, first.cookie);
      const [before] = await t.accounts.findBy({ oauthName: 'oidc', accountId: id });
      const second = await throughProvider(id);
      const two = await callback('oidc', second.back.searchParams, second.cookie);
      expect(two.status).toBe(200);
      const who = async (token: string) =>
        (await http().get('/users/me').set('Authorization', `Bearer ${token}`)).body.id as string;
      expect(await who(two.body.access_token)).toBe(await who(one.body.access_token));
      const [after] = await t.accounts.findBy({ oauthName: 'oidc', accountId: id });
      expect(after!.accessToken).not.toBe(before!.accessToken);
      expect(await t.users.countBy({ email: `again-${platform}-${database}@example.com` })).toBe(1);
    });

    it('fires the hooks as fastapi-users: onAfterRegister for a new user, onAfterLogin at every login', async () => {
      const email = `hooks-${platform}-${database}@example.com`;
      const id = person(email);
      const hooksOf = (hook: string) => t.manager.callsOf(hook).filter(([user]) => (user as { email: string }).email === email);
      let flow = await throughProvider(id);
      expect((await callback('oidc', flow.back.searchParams, flow.cookie)).status).toBe(200);
      expect(hooksOf('onAfterRegister')).toHaveLength(1);
      expect(hooksOf('onAfterLogin')).toHaveLength(1);
      flow = await throughProvider(id);
      expect((await callback('oidc', flow.back.searchParams, flow.cookie)).status).toBe(200);
      expect(hooksOf('onAfterRegister')).toHaveLength(1);
      expect(hooksOf('onAfterLogin')).toHaveLength(2);
    });

    it('still logs in when a hook throws (the account exists: a 500 would lie)', async () => {
      const email = `explode-${platform}-${database}@example.com`;
      const flow = await throughProvider(person(email));
      const answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.status).toBe(200);
      expect(await t.users.countBy({ email })).toBe(1);
    });

    it("answers as the provider's backend: a cookie backend logs in with 204 and its cookie", async () => {
      const id = person(`cookie-${platform}-${database}@example.com`);
      const { back, cookie } = await throughProvider(id, 'strict');
      const answer = await callback('strict', back.searchParams, cookie);
      expect(answer.status, JSON.stringify(answer.body)).toBe(204);
      const cookies = [answer.headers['set-cookie']].flat();
      const auth = cookies.find((line) => line?.startsWith('__Host-nest-users-auth='));
      expect(auth).toBeTruthy();
      // The binding cookie is spent here too, beside the backend's own cookie.
      expect(cookies.some((line) => new RegExp(`^${COOKIE}=;.*Max-Age=0`, 'i').test(line ?? ''))).toBe(true);
      const probe = await http().get('/probe/any').set('Cookie', auth!.split(';')[0]!);
      expect(probe.body).toEqual({ email: `cookie-${platform}-${database}@example.com` });
    });

    it('links an existing user by email only when both sides verified it and the provider allows it', async () => {
      const email = `linked-${platform}-${database}@example.com`;
      const created = await register(t.server, email);
      // Unverified at the provider: refused, even with associateByEmail.
      const unverified = person(email, false);
      let flow = await throughProvider(unverified);
      let answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ statusCode: 400, detail: 'OAUTH_USER_ALREADY_EXISTS' });
      // Verified, but the provider has no associateByEmail: refused.
      const verified = person(email, true);
      flow = await throughProvider(verified, 'strict');
      answer = await callback('strict', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: 'OAUTH_USER_ALREADY_EXISTS' });
      expect(await t.accounts.countBy({ userId: String(created.id) })).toBe(0);
      // Verified at the provider, associateByEmail, but the account here never proved the address (pre-hijack: anyone
      // can register someone else's email with a password of their own and wait for the owner's provider login).
      flow = await throughProvider(verified);
      answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: 'OAUTH_USER_ALREADY_EXISTS' });
      expect(await t.accounts.countBy({ userId: String(created.id) })).toBe(0);
      // Both verified, with associateByEmail: logs in as the existing user.
      await t.users.update({ id: String(created.id) }, { isVerified: true });
      flow = await throughProvider(verified);
      answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.status).toBe(200);
      const me = await http().get('/users/me').set('Authorization', `Bearer ${answer.body.access_token}`);
      expect(me.body.id).toBe(created.id);
      expect(await t.accounts.countBy({ userId: String(created.id) })).toBe(1);
    });

    it('does not verify a new user whose email the provider did not verify', async () => {
      const id = person(`unverified-${platform}-${database}@example.com`, false);
      const { back, cookie } = await throughProvider(id);
      const answer = await callback('oidc', back.searchParams, cookie);
      const me = await http().get('/users/me').set('Authorization', `Bearer ${answer.body.access_token}`);
      expect(me.body.isVerified).toBe(false);
    });

    it('refuses an account without email (OAUTH_NOT_AVAILABLE_EMAIL) and an inactive user (LOGIN_BAD_CREDENTIALS)', async () => {
      const noEmail = person(undefined);
      let flow = await throughProvider(noEmail);
      let answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: 'OAUTH_NOT_AVAILABLE_EMAIL' });

      // An address that has no canonical form (an invisible character) is no usable email either.
      const invisible = person(`in\u200bvisible-${platform}-${database}@example.com`);
      flow = await throughProvider(invisible);
      answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: 'OAUTH_NOT_AVAILABLE_EMAIL' });

      const email = `banned-${platform}-${database}@example.com`;
      const id = person(email);
      flow = await throughProvider(id);
      expect((await callback('oidc', flow.back.searchParams, flow.cookie)).status).toBe(200);
      await t.users.update({ email }, { isActive: false });
      flow = await throughProvider(id);
      answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
    });
  });

  describe.skipIf(skip)('attacks', () => {
    it('refuses a valid state replayed from another browser: no CSRF cookie, or another flow’s cookie', async () => {
      const victim = person(`victim-${platform}-${database}@example.com`);
      const { back } = await throughProvider(victim);
      const none = await callback('oidc', back.searchParams);
      expect(none.body).toEqual({ statusCode: 400, detail: 'OAUTH_INVALID_STATE' });
      const other = await authorize();
      const wrong = await callback('oidc', back.searchParams, other.cookie);
      expect(wrong.body).toEqual({ statusCode: 400, detail: 'OAUTH_INVALID_STATE' });
      const forgedCookie = await callback('oidc', back.searchParams, `${COOKIE}=${randomBytes(32).toString('base64url')}`);
      expect(forgedCookie.body).toEqual({ statusCode: 400, detail: 'OAUTH_INVALID_STATE' });
      expect(await t.users.countBy({ email: `victim-${platform}-${database}@example.com` })).toBe(0);
    });

    it('refuses a forged or garbled state (ACCESS_TOKEN_DECODE_ERROR) and an expired one (ACCESS_TOKEN_ALREADY_EXPIRED)', async () => {
      const { back, cookie } = await throughProvider(person(`forged-${platform}-${database}@example.com`));
      const cookieValue = cookie.split('=')[1]!;
      const claims = (until: number) => ({
        sub: '-',
        provider: 'oidc',
        flow: 'login',
        csrf: createHash('sha256').update(cookieValue).digest('base64url'),
        until,
        aud: 'nest-users:oauth-state',
      });
      const now = Math.floor(Date.now() / 1000);
      const withState = (state: string) => {
        const query = new URLSearchParams(back.searchParams);
        query.set('state', state);
        return query;
      };
      const forged = jsonwebtoken.sign(claims(now + 600), randomBytes(32), { algorithm: 'HS256', expiresIn: 3600 });
      expect((await callback('oidc', withState(forged), cookie)).body.detail).toBe('ACCESS_TOKEN_DECODE_ERROR');
      expect((await callback('oidc', withState('not-a-jwt'), cookie)).body.detail).toBe('ACCESS_TOKEN_DECODE_ERROR');
      const none = new URLSearchParams(back.searchParams);
      none.delete('state');
      expect((await callback('oidc', none, cookie)).body.detail).toBe('ACCESS_TOKEN_DECODE_ERROR');
      // Signed with the app's own key, but past its lifetime.
      const expired = jsonwebtoken.sign(claims(now - 1), t.secrets.state, { algorithm: 'HS256', expiresIn: 3600 });
      expect((await callback('oidc', withState(expired), cookie)).body.detail).toBe('ACCESS_TOKEN_ALREADY_EXPIRED');
      // A state of another provider or flow does not fit this callback.
      const strict = await authorize('strict');
      expect((await callback('oidc', withState(strict.state), strict.cookie)).body.detail).toBe('OAUTH_INVALID_STATE');
    });

    it('refuses to redeem a code twice (the provider refuses the replay: 400, not 500)', async () => {
      const { back, cookie } = await throughProvider(person(`replay-${platform}-${database}@example.com`));
      expect((await callback('oidc', back.searchParams, cookie)).status).toBe(200);
      const replay = await callback('oidc', back.searchParams, cookie);
      expect(replay.status).toBe(400);
      expect(replay.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_grant' } });
    });

    it('refuses a code issued for another PKCE challenge (wrong verifier) and an authorization without PKCE', async () => {
      const other = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(other).digest('base64url');
      let flow = await throughProvider(person(`pkce-${platform}-${database}@example.com`), 'oidc', (url) =>
        url.searchParams.set('code_challenge', challenge),
      );
      let answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_grant' } });

      flow = await throughProvider(person(`nopkce-${platform}-${database}@example.com`), 'oidc', (url) => {
        url.searchParams.delete('code_challenge');
        url.searchParams.delete('code_challenge_method');
      });
      expect(flow.back.searchParams.get('error')).toBe('invalid_request');
      answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_request' } });
    });

    it('refuses an ID token with another nonce than the one this browser sent', async () => {
      const flow = await throughProvider(person(`nonce-${platform}-${database}@example.com`), 'oidc', (url) =>
        url.searchParams.set('nonce', randomBytes(32).toString('base64url')),
      );
      const answer = await callback('oidc', flow.back.searchParams, flow.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_response' } });
      expect(await t.users.countBy({ email: `nonce-${platform}-${database}@example.com` })).toBe(0);
    });

    it('answers error=access_denied from the provider with 400', async () => {
      const started = await authorize();
      const back = await signIn(started.url.toString(), person(`denied-${platform}-${database}@example.com`), { deny: true });
      expect(back.searchParams.get('error')).toBe('access_denied');
      const answer = await callback('oidc', back.searchParams, started.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'access_denied' } });
    });

    it('never echoes what a forged callback says: an unknown error is invalid_response, and no code is a 400', async () => {
      const started = await authorize();
      const query = new URLSearchParams({ state: started.state, error: '<script>alert(1)</script>' });
      const answer = await callback('oidc', query, started.cookie);
      expect(answer.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_response' } });
      const again = await authorize();
      const empty = await callback('oidc', new URLSearchParams({ state: again.state }), again.cookie);
      expect(empty.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_request' } });
    });
  });

  describe.skipIf(skip)('associate', () => {
    const associate = async (bearer: string, accountId: string, provider = 'oidc') => {
      const started = await authorize(provider, bearer);
      const back = await signIn(started.url.toString(), accountId);
      return { ...started, back };
    };

    it('needs a logged-in user', async () => {
      expect((await http().get('/auth/associate/oidc/authorize')).status).toBe(401);
      expect((await http().get('/auth/associate/oidc/callback?code=x&state=y')).status).toBe(401);
    });

    it('links a provider account to the logged-in user; the provider then logs that user in', async () => {
      const email = `owner-${platform}-${database}@example.com`;
      const owner = await register(t.server, email);
      const bearer = await login(t.server, email);
      const id = person(`other-address-${platform}-${database}@example.com`);
      const flow = await associate(bearer, id);
      expect(flow.url.searchParams.get('redirect_uri')).toBe('https://app.example.com/auth/associate/oidc/callback');
      const answer = await callback('oidc', flow.back.searchParams, flow.cookie, bearer, true);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ id: owner.id, email });
      expectNoSecrets(answer.body);
      // fastapi-users: on_after_update(user, {}, request).
      const updates = t.manager.callsOf('onAfterUpdate').filter(([user]) => (user as { id: string }).id === owner.id);
      expect(updates.map(([, changes]) => changes)).toEqual([{}]);
      const stored = (await t.users.findOneBy({ id: String(owner.id) }))!;
      expect(await t.manager.listOAuthAccounts(stored)).toEqual([
        { oauthName: 'oidc', accountId: id, accountEmail: `other-address-${platform}-${database}@example.com` },
      ]);
      const loginFlow = await throughProvider(id);
      const logged = await callback('oidc', loginFlow.back.searchParams, loginFlow.cookie);
      const me = await http().get('/users/me').set('Authorization', `Bearer ${logged.body.access_token}`);
      expect(me.body.id).toBe(owner.id);
    });

    it('refuses an account already linked to another user, and a flow another user started', async () => {
      const a = `first-${platform}-${database}@example.com`;
      const b = `second-${platform}-${database}@example.com`;
      await register(t.server, a);
      await register(t.server, b);
      const [bearerA, bearerB] = [await login(t.server, a), await login(t.server, b)];
      const id = person(`shared-${platform}-${database}@example.com`);
      const first = await associate(bearerA, id);
      expect((await callback('oidc', first.back.searchParams, first.cookie, bearerA, true)).status).toBe(200);
      const second = await associate(bearerB, id);
      const refused = await callback('oidc', second.back.searchParams, second.cookie, bearerB, true);
      expect(refused.body).toEqual({ statusCode: 400, detail: 'OAUTH_USER_ALREADY_EXISTS' });

      // A's flow, finished in B's session (with A's cookie even): the state names A.
      const stolen = await associate(bearerA, person(`stolen-${platform}-${database}@example.com`));
      const finished = await callback('oidc', stolen.back.searchParams, stolen.cookie, bearerB, true);
      expect(finished.body).toEqual({ statusCode: 400, detail: 'OAUTH_INVALID_STATE' });
      // And a login state is no associate state.
      const loginState = await throughProvider(person(`mixed-${platform}-${database}@example.com`));
      const mixed = await callback('oidc', loginState.back.searchParams, loginState.cookie, bearerA, true);
      expect(mixed.body).toEqual({ statusCode: 400, detail: 'OAUTH_INVALID_STATE' });
    });
  });
});

describe.each(['express', 'fastify'] as const)('OAuth: ID tokens that are not for this app (%s)', (platform) => {
  let t: OAuthTestApp;
  const http = () => request(t.server as never);
  beforeAll(async () => {
    t = await createOAuthTestApp(platform);
  });
  afterAll(async () => t?.close());
  afterEach(() => {
    t.idp.editTokenResponse.current = undefined;
  });

  /** The provider's genuine ID token, re-signed with the provider's own key after `edit` changed its claims. */
  const resignIdToken = (edit: (claims: JWTPayload) => void) => async (body: Record<string, unknown>) => {
    const claims = decodeJwt(String(body.id_token));
    edit(claims);
    const { privateKey, kid } = t.idp.signingKey;
    return { ...body, id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey) };
  };

  async function attempt(email: string) {
    const id = `aud-${randomBytes(4).toString('hex')}`;
    t.idp.accounts.set(id, { email, emailVerified: true });
    const started = await http().get('/auth/oidc/authorize');
    const cookie = [started.headers['set-cookie']].flat()[0]!.split(';')[0]!;
    const back = await signIn(started.body.authorization_url, id);
    return http().get(`/auth/oidc/callback?${back.searchParams.toString()}`).set('Cookie', cookie);
  }

  it('accepts the genuine token through the relay (the harness changes nothing by itself)', async () => {
    t.idp.editTokenResponse.current = resignIdToken(() => undefined);
    expect((await attempt(`genuine-${platform}@example.com`)).status).toBe(200);
  });

  it.each([
    ['another audience', (claims: JWTPayload) => void (claims.aud = 'someone-else')],
    ['another issuer', (claims: JWTPayload) => void (claims.iss = 'https://evil.example')],
    ['an expired token', (claims: JWTPayload) => void (claims.exp = Math.floor(Date.now() / 1000) - 3600)],
    ['another nonce', (claims: JWTPayload) => void (claims.nonce = 'replayed-from-elsewhere')],
  ])('refuses an ID token with %s (400, no user created)', async (_, edit) => {
    t.idp.editTokenResponse.current = resignIdToken(edit);
    const email = `tampered-${platform}-${randomBytes(3).toString('hex')}@example.com`;
    const answer = await attempt(email);
    expect(answer.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_response' } });
    expect(await t.users.countBy({ email })).toBe(0);
  });

  it('refuses an ID token signed by a key not in the provider’s JWKS', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    t.idp.editTokenResponse.current = async (body) => {
      const claims = decodeJwt(String(body.id_token));
      return {
        ...body,
        id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: t.idp.signingKey.kid }).sign(privateKey),
      };
    };
    const answer = await attempt(`badsig-${platform}@example.com`);
    expect(answer.body).toEqual({ statusCode: 400, detail: { code: 'OAUTH_PROVIDER_ERROR', reason: 'invalid_response' } });
  });
});
