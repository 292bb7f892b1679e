import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp, type SampleAppOptions } from '../sample-app/src/app.factory.js';
import { User } from '../sample-app/src/users/user.entity.js';
import { createSampleAppDatabase } from './fixtures/sample-app-database.js';

/**
 * The sample app as a user runs it, on both HTTP platforms and on every database at hand: SQLite always,
 * PostgreSQL when TEST_POSTGRES_URL is set (each run in its own schema, dropped afterwards).
 */

const PASSWORD = 'correct horse battery staple';
const POSTGRES_URL = process.env.TEST_POSTGRES_URL;
if (!POSTGRES_URL) console.warn('[sample-app.e2e] TEST_POSTGRES_URL is not set: the PostgreSQL variants are skipped.');

type Platform = NonNullable<SampleAppOptions['platform']>;
type Database = 'sqlite' | 'postgres';

interface Harness {
  app: INestApplication;
  http: ReturnType<INestApplication['getHttpServer']>;
  sqliteFile?: string;
  dispose(): Promise<void>;
}

/** A fresh app on a fresh database: a temp SQLite file in a directory that does not exist yet, or a new PG schema. */
async function startApp(platform: Platform, database: Database, extra: Partial<SampleAppOptions> = {}): Promise<Harness> {
  const jwtSecret = randomBytes(32).toString('base64url');
  const { databaseUrl, file, drop } = await createSampleAppDatabase(database);
  // SQLite: in a folder that does not exist yet, which the app creates.
  const sqliteFile = file && join(dirname(file), 'not-yet', 'sample.sqlite');
  try {
    const app = await createSampleApp({ databaseUrl: sqliteFile ? `sqlite:${sqliteFile}` : databaseUrl, jwtSecret, platform, logger: false, ...extra });
    return {
      app,
      http: app.getHttpServer(),
      sqliteFile,
      async dispose() {
        await app.close();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}

let emails = 0;
/** Registers a new user and logs in through the OAuth2 password form, as Swagger UI does. */
async function newUser(http: Harness['http'], prefix = ''): Promise<{ email: string; token: string }> {
  const email = `user${++emails}-${randomBytes(3).toString('hex')}@example.com`;
  await request(http).post(`${prefix}/auth/register`).send({ email, password: PASSWORD }).expect(201);
  const login = await request(http)
    .post(`${prefix}/auth/jwt/login`)
    .type('form')
    .set('Authorization', 'Basic Og==') // Swagger UI sends empty client credentials this way.
    .send({ grant_type: 'password', username: email, password: PASSWORD, scope: '' })
    .expect(200);
  expect(login.body).toEqual({ access_token: expect.any(String), token_type: 'bearer' });
  return { email, token: login.body.access_token };
}

const variants: Array<[Platform, Database]> = [
  ['express', 'sqlite'],
  ['fastify', 'sqlite'],
  ['express', 'postgres'],
  ['fastify', 'postgres'],
];

describe.each(variants)('sample app on %s + %s', (platform, database) => {
  const skip = database === 'postgres' && !POSTGRES_URL;
  let h: Harness;

  beforeAll(async () => {
    if (!skip) h = await startApp(platform, database);
  });
  afterAll(async () => {
    await h?.dispose();
  });

  if (database === 'sqlite') {
    it('creates the SQLite file, and its directory, on first run', () => {
      expect(existsSync(h.sqliteFile!)).toBe(true);
    });
  }

  it.skipIf(skip)('GET /health is public', async () => {
    await request(h.http).get('/health').expect(200, { status: 'ok' });
  });

  it.skipIf(skip)('keeps each user to their own notes', async () => {
    const a = await newUser(h.http);
    const b = await newUser(h.http);
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    const created = await request(h.http).post('/notes').set(bearer(a.token)).send({ text: 'A secret' }).expect(201);
    expect(created.body).toEqual({ id: expect.any(String), text: 'A secret', createdAt: expect.any(String) });
    expect(JSON.stringify(created.body)).not.toMatch(/hashedPassword|owner/);

    await request(h.http).get('/notes').set(bearer(a.token)).expect(200).expect((res) => {
      expect(res.body.map((note: { text: string }) => note.text)).toEqual(['A secret']);
    });
    await request(h.http).get('/notes').set(bearer(b.token)).expect(200, []);
    // B cannot delete A's note, and is told nothing more than "not found".
    await request(h.http).delete(`/notes/${created.body.id}`).set(bearer(b.token)).expect(404);
    await request(h.http).get('/notes').set(bearer(a.token)).expect((res) => expect(res.body).toHaveLength(1));
    await request(h.http).delete(`/notes/${created.body.id}`).set(bearer(a.token)).expect(204);
    await request(h.http).delete(`/notes/${created.body.id}`).set(bearer(a.token)).expect(404);
    await request(h.http).get('/notes').set(bearer(a.token)).expect(200, []);
    await request(h.http).get('/notes').expect(401);
  });

  it.skipIf(skip)('answers 422 to a bad note or a malformed id', async () => {
    const { token } = await newUser(h.http);
    const post = (body: object) => request(h.http).post('/notes').set('Authorization', `Bearer ${token}`).send(body);
    await post({}).expect(422);
    await post({ text: '' }).expect(422);
    await post({ text: 42 }).expect(422);
    await post({ text: 'x'.repeat(501) }).expect(422);
    await post({ text: 'ok', owner: { id: 'someone-else' } }).expect(422);
    await post({ text: 'x'.repeat(500) }).expect(201);
    await request(h.http).delete('/notes/not-a-uuid').set('Authorization', `Bearer ${token}`).expect(422);
  });

  it.skipIf(skip)('accepts the custom displayName column at register and on PATCH /users/me', async () => {
    const email = `named-${randomBytes(3).toString('hex')}@example.com`;
    const registered = await request(h.http)
      .post('/auth/register')
      .send({ email, password: PASSWORD, displayName: 'Ada', isSuperuser: true })
      .expect(201);
    expect(registered.body).toMatchObject({ email, displayName: 'Ada', isSuperuser: false });
    expect(registered.body).not.toHaveProperty('hashedPassword');

    const login = await request(h.http).post('/auth/jwt/login').type('form').send({ username: email, password: PASSWORD });
    const auth = { Authorization: `Bearer ${login.body.access_token}` };
    await request(h.http).patch('/users/me').set(auth).send({ displayName: 'Countess' }).expect(200);
    await request(h.http).get('/users/me').set(auth).expect(200).expect((res) => {
      expect(res.body.displayName).toBe('Countess');
    });
    await request(h.http).patch('/users/me').set(auth).send({ displayName: 'x'.repeat(101) }).expect(422);
  });

  it.skipIf(skip)('GET /admin/stats: 401 anonymous, 403 normal user, 200 with counts for a superuser', async () => {
    const { email, token } = await newUser(h.http);
    await request(h.http).get('/admin/stats').expect(401);
    await request(h.http).get('/admin/stats').set('Authorization', `Bearer ${token}`).expect(403);

    await h.app.get(DataSource).getRepository(User).update({ email }, { isSuperuser: true });
    const stats = await request(h.http).get('/admin/stats').set('Authorization', `Bearer ${token}`).expect(200);
    const users = await h.app.get(DataSource).getRepository(User).count();
    expect(stats.body).toEqual({ users, notes: expect.any(Number) });
    expect(users).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(skip)('serves Swagger JSON with one scheme per backend, on protected operations only', async () => {
    const { body: doc } = await request(h.http).get('/docs-json').expect(200);
    expect(doc.components.securitySchemes.jwt).toMatchObject({
      type: 'oauth2',
      flows: { password: { tokenUrl: '/auth/jwt/login' } },
    });
    expect(doc.components.securitySchemes.db).toMatchObject({ type: 'oauth2', flows: { password: { tokenUrl: '/auth/db/login' } } });
    expect(doc.components.securitySchemes.cookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'nest-users-auth' });
    expect(doc.security).toBeUndefined();
    const all = [{ jwt: [] }, { cookie: [] }, { db: [] }];
    for (const method of ['get', 'post'] as const) expect(doc.paths['/notes'][method].security).toEqual(all);
    expect(doc.paths['/notes/{id}'].delete.security).toEqual(all);
    expect(doc.paths['/admin/stats'].get.security).toEqual(all);
    expect(doc.paths['/users/me'].get.security).toEqual(all);
    expect(doc.paths['/health'].get.security).toBeUndefined();
    expect(doc.paths['/auth/jwt/login'].post.security).toBeUndefined();
    expect(doc.paths['/auth/register'].post.security).toBeUndefined();
    await request(h.http).get('/docs').expect(200).expect('Content-Type', /html/);
  });
});

describe.each(['express', 'fastify'] as const)('sample app on %s under a global prefix', (platform) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startApp(platform, 'sqlite', { globalPrefix: 'api' });
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it("points Swagger's tokenUrl at the real, prefixed login route", async () => {
    const { body: doc } = await request(h.http).get('/docs-json').expect(200);
    const tokenUrl = doc.components.securitySchemes.jwt.flows.password.tokenUrl;
    expect(tokenUrl).toBe('/api/auth/jwt/login');
    const { token } = await newUser(h.http, '/api');
    await request(h.http).get('/api/notes').set('Authorization', `Bearer ${token}`).expect(200, []);
    expect(doc.paths['/api/notes'].get.security).toContainEqual({ jwt: [] });
  });
});

describe.each(['express', 'fastify'] as const)('GET /health on %s without a database', (platform) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startApp(platform, 'sqlite');
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('still answers once the database connection is gone, while data routes fail', async () => {
    const { token } = await newUser(h.http);
    await h.app.get(DataSource).destroy();
    await request(h.http).get('/health').expect(200, { status: 'ok' });
    const notes = await request(h.http).get('/notes').set('Authorization', `Bearer ${token}`);
    expect(notes.status).toBeGreaterThanOrEqual(500);
  });
});
