import { randomBytes } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import pg from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { createTestApp, POSTGRES_URL, type Platform, type TestApp } from '../fixtures/test-app.js';

/**
 * PostgreSQL up but refusing sessions ("database … is not currently accepting connections", SQLSTATE 55000, raised
 * while connecting) is an outage like a lost connection: 503 with Retry-After, never 500, and the app recovers when
 * the database accepts connections again. A private database on the shared server, so nothing else is locked out.
 */
if (!POSTGRES_URL) console.warn('[postgres-refusal] skipped: TEST_POSTGRES_URL is not set.');

describe.skipIf(!POSTGRES_URL).each<Platform>(['express', 'fastify'])(
  'a database refusing connections answers 503 (%s)',
  (platform) => {
    const database = `nest_users_refusal_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    let t: TestApp;
    let token: string;
    const http = () => request(t.server as never);
    const allowConnections = (allow: boolean) => admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allow}`);

    beforeAll(async () => {
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(POSTGRES_URL!);
      url.pathname = `/${database}`;
      t = await createTestApp({ platform, database: 'postgres', postgresUrl: url.toString() });
      await register(t.server, 'ada@example.com');
      token = await login(t.server, 'ada@example.com');
    });
    afterAll(async () => {
      await allowConnections(true).catch(() => undefined);
      await t?.close();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    });

    it('503 with Retry-After on reads, logins and writes while refused; 200 again once connections are allowed', async () => {
      await allowConnections(false);
      // End the pooled sessions, and wait until the pool has dropped them all: every query then needs a new session.
      // (Setting the scene, not an assertion: pg's pool, reached through TypeORM's driver, is the only place that says
      // when it has let go of the terminated sessions.)
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
      const pool = (t.app.get<DataSource>(getDataSourceToken()).driver as unknown as { master: pg.Pool }).master;
      for (let waited = 0; pool.totalCount > 0; waited += 20) {
        expect(waited, 'the pool kept its terminated sessions').toBeLessThan(10_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      const answers = {
        'GET /users/me': await http().get('/users/me').set('Authorization', `Bearer ${token}`),
        login: await http().post('/auth/jwt/login').type('form').send({ username: 'ada@example.com', password: PASSWORD }),
        register: await http().post('/auth/register').send({ email: 'bob@example.com', password: PASSWORD }),
      };
      for (const [name, response] of Object.entries(answers)) {
        expect(response.status, `${name}: ${JSON.stringify(response.body)}`).toBe(503);
        expect(response.body, name).toEqual({ statusCode: 503, detail: 'Service Unavailable' });
        expect(response.headers['retry-after'], name).toMatch(/^\d+$/);
      }

      await allowConnections(true);
      expect((await http().get('/users/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    });
  },
);
