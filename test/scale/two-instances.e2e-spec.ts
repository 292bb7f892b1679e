import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../fixtures/sample-app.js';
import { createSampleAppDatabase, type SampleAppDatabase } from '../fixtures/sample-app-database.js';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL;
const REDIS_URL = process.env.TEST_REDIS_URL;
if (!POSTGRES_URL || !REDIS_URL)
  console.warn('two-instances: skipped: needs TEST_POSTGRES_URL and TEST_REDIS_URL (shared stores).');

const PASSWORD = 'correct horse battery staple';

interface Pair {
  a: INestApplication;
  b: INestApplication;
  urlA: string;
  urlB: string;
}

/**
 * Two instances of the sample app on two ports, sharing one PostgreSQL schema, one Redis and one JWT secret, started
 * before the suite's cases and stopped after them.
 */
function twoInstances(options: { rateLimit: boolean }): Pair {
  const pair = {} as Pair;
  const jwtSecret = randomBytes(32).toString('hex');
  let database: SampleAppDatabase | undefined;
  beforeAll(async () => {
    database = await createSampleAppDatabase('postgres');
    const { databaseUrl } = database;
    const start = async () => {
      const app = await createSampleApp({ databaseUrl, redisUrl: REDIS_URL, jwtSecret, logger: false, ...options });
      await app.listen(0, '127.0.0.1');
      return app;
    };
    pair.a = await start();
    pair.b = await start();
    pair.urlA = (await pair.a.getUrl()).replace('[::1]', '127.0.0.1');
    pair.urlB = (await pair.b.getUrl()).replace('[::1]', '127.0.0.1');
    expect(pair.urlA).not.toBe(pair.urlB);
  }, 60_000);
  afterAll(async () => {
    await pair.a?.close();
    await pair.b?.close();
    await database?.drop();
  });
  return pair;
}

describe.skipIf(!POSTGRES_URL || !REDIS_URL)('two instances behind a load balancer', () => {
  // Limits off here: these cases log one user in many times; the shared limits have their own suite below.
  const pair = twoInstances({ rateLimit: false });
  let urlA: string;
  let urlB: string;
  beforeAll(async () => {
    ({ urlA, urlB } = pair);
    await request(urlA).post('/auth/register').send({ email: 'lb@example.com', password: PASSWORD }).expect(201);
  });

  const login = async (url: string, backend: string) => {
    const response = await request(url)
      .post(`/auth/${backend}/login`)
      .type('form')
      .send({ username: 'lb@example.com', password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body as { access_token: string; refresh_token?: string };
  };
  const me = (url: string, token: string) => request(url).get('/users/me').set('Authorization', `Bearer ${token}`);

  it.each(['jwt', 'db', 'redis'])('a %s token issued by one instance works on the other', async (backend) => {
    const { access_token } = await login(urlA, backend);
    expect((await me(urlB, access_token)).body.email).toBe('lb@example.com');
  });

  it.each(['db', 'redis'])('a %s logout on one instance is seen by the other at once', async (backend) => {
    const { access_token } = await login(urlA, backend);
    expect((await me(urlB, access_token)).status).toBe(200);
    expect((await request(urlB).post(`/auth/${backend}/logout`).set('Authorization', `Bearer ${access_token}`)).status).toBe(204);
    expect((await me(urlA, access_token)).status).toBe(401);
  });

  it('refresh tokens rotate across instances, and a replay on either revokes the family', async () => {
    const first = await login(urlA, 'db');
    const rotated = await request(urlB).post('/auth/db/refresh').send({ refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    expect((await request(urlA).post('/auth/db/refresh').send({ refresh_token: first.refresh_token })).status).toBe(401);
    expect((await request(urlB).post('/auth/db/refresh').send({ refresh_token: rotated.body.refresh_token })).status).toBe(401);
  });

  it('logout-all on one instance ends the stored tokens everywhere', async () => {
    const db = await login(urlA, 'db');
    const redis = await login(urlB, 'redis');
    expect((await request(urlB).post('/auth/db/logout-all').set('Authorization', `Bearer ${db.access_token}`)).status).toBe(204);
    expect((await me(urlA, db.access_token)).status).toBe(401);
    expect((await me(urlA, redis.access_token)).status).toBe(401);
  });
});

/** Two limited instances sharing one Redis: a limit counts requests on both, whichever instance answers. */
describe.skipIf(!POSTGRES_URL || !REDIS_URL)('two instances share their rate limits through Redis', () => {
  const pair = twoInstances({ rateLimit: true });

  it('wrong passwords alternating between the instances meet 429 at the 6th, on either', async () => {
    // A fresh email: the counters live in the shared Redis, across runs.
    const username = `limited-${randomBytes(6).toString('hex')}@example.com`;
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      seen.push(
        (
          await request(i % 2 ? pair.urlB : pair.urlA)
            .post('/auth/jwt/login')
            .type('form')
            .send({ username, password: 'wrong' })
        ).status,
      );
    }
    expect(seen).toEqual([400, 400, 400, 400, 400, 429, 429]);
  });

  it('forgot-password mails for one email are counted once for both instances', async () => {
    const email = `mailed-${randomBytes(6).toString('hex')}@example.com`;
    const seen: number[] = [];
    for (let i = 0; i < 4; i++)
      seen.push(
        (
          await request(i % 2 ? pair.urlB : pair.urlA)
            .post('/auth/forgot-password')
            .send({ email })
        ).status,
      );
    expect(seen).toEqual([202, 202, 202, 429]);
  });
});
