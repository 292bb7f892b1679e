import { DEFAULT_RATE_LIMITS } from '@nest-users/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, register } from '../fixtures/http.js';
import { createOAuthTestApp, type OAuthTestApp } from './oauth-app.fixture.js';

/**
 * The OAuth routes are rate-limited as login is (per client address; every provider and both flows share a route
 * kind's counter), with the module's 429 answer, and `rateLimit: false` turns that off. Each app is its own, so
 * cases never share counters (all requests come from 127.0.0.1).
 */
const expectLimited = (response: request.Response) => {
  expect(response.status, JSON.stringify(response.body)).toBe(429);
  expect(response.body).toEqual({ statusCode: 429, detail: 'TOO_MANY_REQUESTS' });
  const wait = Number(response.headers['retry-after']);
  expect(Number.isInteger(wait) && wait >= 1 && wait <= 60, `Retry-After: ${response.headers['retry-after']}`).toBe(true);
};
const statuses = async (count: number, send: () => Promise<request.Response>) => {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await send()).status);
  return seen;
};

describe.each(['express', 'fastify'] as const)('OAuth rate limits (%s)', (platform) => {
  let defaults: OAuthTestApp;
  let tuned: OAuthTestApp;
  beforeAll(async () => {
    defaults = await createOAuthTestApp(platform, 'sqlite', { rateLimit: true });
    tuned = await createOAuthTestApp(platform, 'sqlite', {
      rateLimit: {
        limits: {
          oauthAuthorize: { address: { limit: 3, windowSeconds: 60 } },
          oauthCallback: { address: { limit: 2, windowSeconds: 60 } },
        },
      },
    });
  });
  afterAll(async () => {
    await defaults?.close();
    await tuned?.close();
  });
  const get = (t: OAuthTestApp, path: string, bearer?: string) =>
    request(t.server as never)
      .get(path)
      .set(bearer ? { Authorization: `Bearer ${bearer}` } : {});

  it('authorize: the default allows 20 a minute per address, then answers 429 TOO_MANY_REQUESTS with Retry-After', async () => {
    const limit = (DEFAULT_RATE_LIMITS.oauthAuthorize.address as { limit: number }).limit;
    expect(limit).toBe(20);
    expect(await statuses(limit, () => get(defaults, '/auth/oidc/authorize'))).toEqual(Array(limit).fill(200));
    const refused = await get(defaults, '/auth/oidc/authorize');
    expectLimited(refused);
    // A refused request starts no flow: no binding cookie.
    expect(refused.headers['set-cookie']).toBeUndefined();
    // Every provider shares the counter (adding one adds no requests); login has its own.
    expectLimited(await get(defaults, '/auth/strict/authorize'));
    const email = `rate-${platform}@example.com`;
    await defaults.manager.create({ email, password: 'correct horse battery' });
    expect(await login(defaults.server, email)).toEqual(expect.any(String));
  });

  it('callback: counted per address across providers, refused before the state is even read', async () => {
    // A forged callback is a 400 until the limit, then 429: the provider is not called for it.
    expect(await statuses(2, () => get(tuned, '/auth/oidc/callback?code=x&state=y'))).toEqual([400, 400]);
    expectLimited(await get(tuned, '/auth/oidc/callback?code=x&state=y'));
    expectLimited(await get(tuned, '/auth/strict/callback?code=x&state=y'));
  });

  it('the associate routes count under the same kinds, once the user is authenticated', async () => {
    const email = `assoc-${platform}@example.com`;
    await register(tuned.server, email);
    const bearer = await login(tuned.server, email);
    // The callback counter is spent by the previous case; the authorize one has 3.
    expectLimited(await get(tuned, '/auth/associate/oidc/callback?code=x&state=y', bearer));
    expect(await statuses(3, () => get(tuned, '/auth/associate/oidc/authorize', bearer))).toEqual([200, 200, 200]);
    expectLimited(await get(tuned, '/auth/associate/strict/authorize', bearer));
    expectLimited(await get(tuned, '/auth/oidc/authorize'));
  });

  it('documents the 429 answer on every OAuth route', () => {
    for (const path of [
      '/auth/oidc/authorize',
      '/auth/oidc/callback',
      '/auth/associate/oidc/authorize',
      '/auth/associate/oidc/callback',
    ]) {
      expect(Object.keys(tuned.document.paths[path]!.get!.responses), path).toContain('429');
    }
  });
});

describe('OAuth rate limits off (rateLimit: false)', () => {
  let t: OAuthTestApp;
  beforeAll(async () => {
    t = await createOAuthTestApp('express', 'sqlite', { rateLimit: false });
  });
  afterAll(async () => t?.close());

  it('never answers 429, far past the default limits', async () => {
    const authorize = await statuses(30, () => request(t.server as never).get('/auth/oidc/authorize'));
    expect(authorize).toEqual(Array(30).fill(200));
    const callback = await statuses(30, () => request(t.server as never).get('/auth/oidc/callback?code=x&state=y'));
    expect(callback).toEqual(Array(30).fill(400));
  });
});
