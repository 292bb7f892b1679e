import { createRedisClient, RedisThrottlerStorage } from '@nest-users/redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../fixtures/test-app.js';
import { PASSWORD } from '../fixtures/http.js';

/**
 * The module's rate limits, on by default (design decision 6): per client address, per address and email, per
 * email; 429 `TOO_MANY_REQUESTS` with `Retry-After`; `X-Forwarded-For` only behind a proxy the platform was told of.
 * Every case uses its own addresses (through a trusted X-Forwarded-For) and emails, so cases never share counters.
 */
describe.each(['express', 'fastify'] as const)('rate limits (%s)', (platform) => {
  let proxied: TestApp;
  let direct: TestApp;
  let off: TestApp;
  let tuned: TestApp;
  let outage: TestApp;
  // A Redis that never answers (nothing listens on port 1).
  const deadRedis = createRedisClient('redis://127.0.0.1:1', { lazyConnect: true }).on('error', () => undefined);

  beforeAll(async () => {
    [proxied, direct, off, tuned, outage] = await Promise.all([
      createTestApp({ platform, rateLimit: true, trustProxy: true }),
      createTestApp({ platform, rateLimit: true }),
      createTestApp({ platform, rateLimit: false }),
      createTestApp({ platform, rateLimit: { limits: { login: { addressAndEmail: { limit: 2, windowSeconds: 60 } } } } }),
      createTestApp({ platform, rateLimit: { storage: new RedisThrottlerStorage(deadRedis) } }),
    ]);
    // Users are created directly (register is rate-limited too).
    for (const t of [proxied, direct, off, tuned]) {
      for (const email of [
        'victim@example.com',
        'spread@example.com',
        'ipv6@example.com',
        'alias@example.com',
        'open@example.com',
      ]) {
        await t.manager.create({ email, password: PASSWORD });
      }
    }
  });
  afterAll(async () => {
    await Promise.all([proxied, direct, off, tuned, outage].map((t) => t?.close()));
    deadRedis.disconnect();
  });

  const post = (t: TestApp, path: string, from?: string) => {
    const call = request(t.server as never).post(path);
    return from ? call.set('X-Forwarded-For', from) : call;
  };
  const login = (t: TestApp, username: string, password: string, from?: string, backend = 'jwt') =>
    post(t, `/auth/${backend}/login`, from).type('form').send({ username, password });
  const expectLimited = (response: request.Response, maxWait = 60) => {
    expect(response.status, JSON.stringify(response.body)).toBe(429);
    expect(response.body).toEqual({ statusCode: 429, detail: 'TOO_MANY_REQUESTS' });
    const wait = Number(response.headers['retry-after']);
    expect(Number.isInteger(wait) && wait >= 1 && wait <= maxWait, `Retry-After: ${response.headers['retry-after']}`).toBe(true);
  };
  const statuses = async (count: number, send: (i: number) => Promise<request.Response>) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await send(i)).status);
    return seen;
  };

  it('25 wrong passwords from one address meet 429 from the 6th, even with the right password and on another backend', async () => {
    const seen = await statuses(25, () => login(proxied, 'victim@example.com', 'wrong password', '203.0.113.10'));
    expect(seen.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(new Set(seen.slice(5))).toEqual(new Set([429]));
    const refused = await login(proxied, 'victim@example.com', PASSWORD, '203.0.113.10');
    expectLimited(refused);
    expect(Object.keys(refused.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    // One counter per route kind: a second backend is not a second allowance.
    expectLimited(await login(proxied, 'victim@example.com', PASSWORD, '203.0.113.10', 'mobile'));
  });

  it('the attacked user, from another address, still logs in (no lockout from one address)', async () => {
    await statuses(25, () => login(proxied, 'victim@example.com', 'wrong password', '203.0.113.11'));
    expect((await login(proxied, 'victim@example.com', PASSWORD, '198.51.100.7')).status).toBe(200);
  });

  it('many addresses together meet the per-email limit (20 a minute), which blocks for a minute at most', async () => {
    for (let a = 1; a <= 4; a++) {
      expect(await statuses(5, () => login(proxied, 'spread@example.com', 'wrong password', `192.0.2.${a}`))).toEqual([
        400, 400, 400, 400, 400,
      ]);
    }
    expectLimited(await login(proxied, 'spread@example.com', PASSWORD, '192.0.2.99'), 60);
  });

  it('counts an email in its canonical form, whatever its case, look-alike or domain spelling', async () => {
    const spellings = [
      'alias@example.com',
      'ALIAS@example.com',
      '\uff41lias@Example.COM',
      'alias@EXAMPLE.com',
      'aLiAs@example.com',
    ];
    for (const username of spellings) expect((await login(proxied, username, 'wrong password', '203.0.113.20')).status).toBe(400);
    expectLimited(await login(proxied, 'alias@example.com', PASSWORD, '203.0.113.20'));
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped address as the IPv4 address', async () => {
    const seen = await statuses(6, (i) => login(proxied, 'ipv6@example.com', 'wrong password', `2001:db8:1:2::${i + 1}`));
    expect(seen).toEqual([400, 400, 400, 400, 400, 429]);
    for (const from of ['203.0.113.30', '::ffff:203.0.113.30', '203.0.113.30', '::ffff:203.0.113.30', '203.0.113.30']) {
      expect((await login(proxied, 'open@example.com', 'wrong password', from)).status).toBe(400);
    }
    expectLimited(await login(proxied, 'open@example.com', PASSWORD, '::ffff:203.0.113.30'));
  });

  it('ignores X-Forwarded-For unless the platform trusts a proxy', async () => {
    const seen = await statuses(6, (i) => login(direct, 'victim@example.com', 'wrong password', `198.51.100.${i + 1}`));
    expect(seen).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it('limits each address across emails: 20 logins a minute', async () => {
    const seen = await statuses(21, (i) => login(proxied, `nobody${i}@example.com`, 'wrong password', '203.0.113.40'));
    expect(seen.slice(0, 20).every((status) => status === 400)).toBe(true);
    expectLimited(await login(proxied, 'someone-else@example.com', 'wrong password', '203.0.113.40'));
  });

  it('20 forgot-password requests for one email send 3 mails; the rest are 429', async () => {
    const seen = await statuses(20, (i) =>
      post(proxied, '/auth/forgot-password', `203.0.113.${50 + i}`).send({ email: 'victim@example.com' }),
    );
    expect(seen.slice(0, 3)).toEqual([202, 202, 202]);
    expect(new Set(seen.slice(3))).toEqual(new Set([429]));
    await proxied.background.drain();
    const mailed = proxied.manager
      .callsOf('onAfterForgotPassword')
      .filter(([user]) => (user as { email: string }).email === 'victim@example.com');
    expect(mailed).toHaveLength(3);
  });

  it('request-verify-token: 3 per email, whatever the address', async () => {
    const seen = await statuses(6, (i) =>
      post(proxied, '/auth/request-verify-token', `203.0.113.${80 + i}`).send({ email: 'spread@example.com' }),
    );
    expect(seen).toEqual([202, 202, 202, 429, 429, 429]);
  });

  it('register: 5 per address a minute', async () => {
    const seen = await statuses(6, (i) =>
      post(proxied, '/auth/register', '203.0.113.90').send({ email: `new${i}@example.com`, password: PASSWORD }),
    );
    expect(seen).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it.each([
    ['/auth/reset-password', 10, { token: 'not-a-token', password: PASSWORD }, 400],
    ['/auth/verify', 10, { token: 'not-a-token' }, 400],
    ['/auth/jwt/refresh', 60, { refresh_token: 'not-a-token' }, 404],
  ] as const)('%s: %i per address a minute', async (path, limit, body, status) => {
    const from = `203.0.113.${path.length}`;
    const seen = await statuses(limit, () => post(proxied, path, from).send(body));
    expect(new Set(seen)).toEqual(new Set([status]));
    expectLimited(await post(proxied, path, from).send(body));
  });

  it('rateLimit: false turns every limit off', async () => {
    expect(new Set(await statuses(25, () => login(off, 'victim@example.com', 'wrong password')))).toEqual(new Set([400]));
    expect(new Set(await statuses(12, () => post(off, '/auth/forgot-password').send({ email: 'victim@example.com' })))).toEqual(
      new Set([202]),
    );
  });

  it('rateLimit.limits replaces one counter and keeps the other defaults', async () => {
    expect(await statuses(3, () => login(tuned, 'victim@example.com', 'wrong password'))).toEqual([400, 400, 429]);
    expect(await statuses(4, () => post(tuned, '/auth/forgot-password').send({ email: 'spread@example.com' }))).toEqual([
      202, 202, 202, 429,
    ]);
  });

  it('fails closed when the shared storage is down: 503 with Retry-After, never a request let through', async () => {
    for (const response of [
      await login(outage, 'victim@example.com', PASSWORD),
      await post(outage, '/auth/forgot-password').send({ email: 'victim@example.com' }),
    ]) {
      expect(response.status, JSON.stringify(response.body)).toBe(503);
      expect(response.body).toEqual({ statusCode: 503, detail: 'Service Unavailable' });
      expect(response.headers['retry-after']).toBe('5');
    }
    await outage.background.drain();
    expect(outage.manager.callsOf('onAfterForgotPassword')).toEqual([]);
    expect(outage.manager.callsOf('onAfterLogin')).toEqual([]);
  });
});
