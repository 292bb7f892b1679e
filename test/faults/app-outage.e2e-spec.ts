import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../fixtures/sample-app.js';
import {
  privatePostgresUnavailableReason,
  privateRedisUnavailableReason,
  startPrivatePostgres,
  startPrivateRedis,
  type PrivatePostgres,
  type PrivateRedis,
} from '../support/private-servers.js';

const PASSWORD = 'correct horse battery staple';
const unavailable = privatePostgresUnavailableReason() ?? privateRedisUnavailableReason();
if (unavailable) console.warn(`app-outage: skipped: ${unavailable}`);

/**
 * The sample app on PRIVATE PostgreSQL and Redis servers that this suite stops and starts: outages answer 503 with
 * Retry-After (never 401, 204 or 500), the JWT backend keeps working without Redis, and everything recovers without
 * restarting the app.
 */
describe.skipIf(Boolean(unavailable))('outages of PostgreSQL and Redis, seen through the sample app', () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const login = async (backend: string) => {
    const response = await http()
      .post(`/auth/${backend}/login`)
      .type('form')
      .send({ username: 'ops@example.com', password: PASSWORD });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.access_token as string;
  };
  const me = (token: string) => http().get('/users/me').set('Authorization', `Bearer ${token}`);
  const expect503 = (response: request.Response) => {
    expect(response.status, JSON.stringify(response.body)).toBe(503);
    expect(response.body).toEqual({ statusCode: 503, detail: 'Service Unavailable' });
    expect(response.headers['retry-after']).toBe('5');
  };

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    app = await createSampleApp({
      databaseUrl: postgres.url,
      redisUrl: redis.url,
      jwtSecret: randomBytes(32).toString('hex'),
      logger: false,
      rateLimit: false,
    });
    await http().post('/auth/register').send({ email: 'ops@example.com', password: PASSWORD }).expect(201);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await Promise.all([postgres?.destroy(), redis?.destroy()]);
  });

  it('Redis down: the redis backend answers 503 everywhere, the JWT backend keeps working; Redis back: all is well', async () => {
    const jwt = await login('jwt');
    const stored = await login('redis');
    expect((await me(stored)).status).toBe(200);

    await redis.stop();
    expect503(await me(stored));
    expect503(await http().post('/auth/redis/login').type('form').send({ username: 'ops@example.com', password: PASSWORD }));
    expect503(await http().post('/auth/redis/logout').set('Authorization', `Bearer ${stored}`));
    expect((await me(jwt)).status).toBe(200);

    // This Redis keeps nothing on disk: its tokens are gone, so 401 now; a new login works on the same app.
    await redis.start();
    await expect.poll(async () => (await me(stored)).status, { timeout: 5_000, interval: 100 }).toBe(401);
    const again = await login('redis');
    expect((await me(again)).status).toBe(200);
    expect((await http().post('/auth/redis/logout').set('Authorization', `Bearer ${again}`)).status).toBe(204);
    expect((await me(again)).status).toBe(401);
  }, 30_000);

  it('PostgreSQL down: every route that needs it answers 503 quickly; PostgreSQL back: 2xx without a restart', async () => {
    const jwt = await login('jwt');
    const db = await login('db');
    await postgres.stop();
    const started = Date.now();
    expect503(await me(jwt));
    expect503(await me(db));
    expect503(await http().post('/auth/jwt/login').type('form').send({ username: 'ops@example.com', password: PASSWORD }));
    expect503(await http().post('/auth/register').send({ email: 'new@example.com', password: PASSWORD }));
    expect503(await http().post('/auth/db/logout').set('Authorization', `Bearer ${db}`));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await http().get('/health')).status).toBe(200);

    await postgres.start();
    await expect.poll(async () => (await me(jwt)).status, { timeout: 10_000, interval: 200 }).toBe(200);
    expect((await me(db)).status).toBe(200);
    expect((await http().post('/auth/register').send({ email: 'new@example.com', password: PASSWORD })).status).toBe(201);
  }, 60_000);
});
