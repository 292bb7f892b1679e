import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../../sample-app/src/app.factory.js';
import { createSampleAppDatabase, type SampleAppDatabase } from '../fixtures/sample-app-database.js';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL;
const REDIS_URL = process.env.TEST_REDIS_URL;
if (!POSTGRES_URL || !REDIS_URL) console.warn('two-instances: skipped: needs TEST_POSTGRES_URL and TEST_REDIS_URL (shared stores).');

const PASSWORD = 'correct horse battery staple';

/** Two instances of the sample app on two ports, sharing one PostgreSQL schema, one Redis and one JWT secret. */
describe.skipIf(!POSTGRES_URL || !REDIS_URL)('two instances behind a load balancer', () => {
  const jwtSecret = randomBytes(32).toString('hex');
  let database: SampleAppDatabase | undefined;
  let a: INestApplication;
  let b: INestApplication;
  let urlA: string;
  let urlB: string;

  beforeAll(async () => {
    database = await createSampleAppDatabase('postgres');
    const { databaseUrl } = database;
    const start = async () => {
      const app = await createSampleApp({ databaseUrl, redisUrl: REDIS_URL, jwtSecret, logger: false });
      await app.listen(0, '127.0.0.1');
      return app;
    };
    a = await start();
    b = await start();
    urlA = (await a.getUrl()).replace('[::1]', '127.0.0.1');
    urlB = (await b.getUrl()).replace('[::1]', '127.0.0.1');
    expect(urlA).not.toBe(urlB);
    await request(urlA).post('/auth/register').send({ email: 'lb@example.com', password: PASSWORD }).expect(201);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  const login = async (url: string, backend: string) => {
    const response = await request(url).post(`/auth/${backend}/login`).type('form').send({ username: 'lb@example.com', password: PASSWORD });
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
