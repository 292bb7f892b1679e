import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp, type SampleAppOptions } from './fixtures/sample-app.js';
import { DEFAULT_DATABASE_URL, validateSampleEnv } from '../sample-app/src/config/sample-env.js';
import { parseRateLimit } from '../sample-app/src/rate-limit.config.js';
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

/**
 * A fresh app on a fresh database: a temp SQLite file in a directory that does not exist yet, or a new PG schema.
 * Rate limits are off unless `extra` turns them on: the suite registers and logs in many users from 127.0.0.1.
 */
async function startApp(platform: Platform, database: Database, extra: Partial<SampleAppOptions> = {}): Promise<Harness> {
  extra = { rateLimit: false, ...extra };
  const jwtSecret = randomBytes(32).toString('base64url');
  const { databaseUrl, file, drop } = await createSampleAppDatabase(database);
  // SQLite: in a folder that does not exist yet, which the app creates.
  const sqliteFile = file && join(dirname(file), 'not-yet', 'sample.sqlite');
  try {
    const app = await createSampleApp({
      databaseUrl: sqliteFile ? `sqlite:${sqliteFile}` : databaseUrl,
      jwtSecret,
      platform,
      logger: false,
      ...extra,
    });
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

    await request(h.http)
      .get('/notes')
      .set(bearer(a.token))
      .expect(200)
      .expect((res) => {
        expect(res.body.map((note: { text: string }) => note.text)).toEqual(['A secret']);
      });
    await request(h.http).get('/notes').set(bearer(b.token)).expect(200, []);
    // B cannot delete A's note, and is told nothing more than "not found".
    await request(h.http).delete(`/notes/${created.body.id}`).set(bearer(b.token)).expect(404);
    await request(h.http)
      .get('/notes')
      .set(bearer(a.token))
      .expect((res) => expect(res.body).toHaveLength(1));
    await request(h.http).delete(`/notes/${created.body.id}`).set(bearer(a.token)).expect(204);
    await request(h.http).delete(`/notes/${created.body.id}`).set(bearer(a.token)).expect(404);
    await request(h.http).get('/notes').set(bearer(a.token)).expect(200, []);
    await request(h.http).get('/notes').expect(401);
  });

  it.skipIf(skip)(
    "refuses one backend's JWT on the other, though both share the secret (audience nest-users:auth:<name>)",
    async () => {
      const { email, token: bearerToken } = await newUser(h.http);
      const cookieLogin = await request(h.http)
        .post('/auth/cookie/login')
        .set('Sec-Fetch-Site', 'same-origin')
        .type('form')
        .send({ username: email, password: PASSWORD })
        .expect(204);
      const cookieToken = /__Host-nest-users-auth=([^;]+)/.exec(String(cookieLogin.headers['set-cookie']))![1]!;
      const asCookie = (token: string) => request(h.http).get('/users/me').set('Cookie', `__Host-nest-users-auth=${token}`);
      const asBearer = (token: string) => request(h.http).get('/users/me').set('Authorization', `Bearer ${token}`);
      // Each works where it was minted...
      await asCookie(cookieToken).expect(200);
      await asBearer(bearerToken).expect(200);
      // ...and nowhere else: the cookie's JWT as a bearer (the jwt backend), the bearer JWT as the cookie.
      await asBearer(cookieToken).expect(401);
      await asCookie(bearerToken).expect(401);
    },
  );

  it.skipIf(skip)("answers 422 to a bad note or a malformed id, in the library's shape (the global pipe)", async () => {
    const { token } = await newUser(h.http);
    const post = (body: object) => request(h.http).post('/notes').set('Authorization', `Bearer ${token}`).send(body);
    await post({}).expect(422);
    await post({ text: '' }).expect(422);
    const wrongType = await post({ text: 42 }).expect(422);
    expect(wrongType.body).toEqual({
      statusCode: 422,
      detail: [{ loc: ['body', 'text'], msg: expect.any(String), type: expect.any(String) }],
    });
    await post({ text: 'x'.repeat(501) }).expect(422);
    await post({ text: 'bad\u0000' }).expect(422);
    // Unknown fields are stripped, as on the library's routes: the note is the caller's whatever `owner` says.
    const smuggled = await post({ text: 'mine', owner: { id: 'someone-else' } }).expect(201);
    expect(smuggled.body).toEqual({ id: expect.any(String), text: 'mine', createdAt: expect.any(String) });
    const mine = await request(h.http).get('/notes').set('Authorization', `Bearer ${token}`).expect(200);
    expect(mine.body.map((note: { id: string }) => note.id)).toContain(smuggled.body.id);
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
    await request(h.http)
      .get('/users/me')
      .set(auth)
      .expect(200)
      .expect((res) => {
        expect(res.body.displayName).toBe('Countess');
      });
    await request(h.http)
      .patch('/users/me')
      .set(auth)
      .send({ displayName: 'x'.repeat(101) })
      .expect(422);
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
    expect(doc.components.securitySchemes.db).toMatchObject({
      type: 'oauth2',
      flows: { password: { tokenUrl: '/auth/db/login' } },
    });
    expect(doc.components.securitySchemes.cookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: '__Host-nest-users-auth' });
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

describe.each(['express', 'fastify'] as const)('rate limits of the sample app on %s', (platform) => {
  let on: Harness;
  let off: Harness;
  beforeAll(async () => {
    [on, off] = await Promise.all([
      startApp(platform, 'sqlite', { rateLimit: true }),
      startApp(platform, 'sqlite', { rateLimit: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([on?.dispose(), off?.dispose()]);
  });

  const wrongLogins = async (h: Harness, count: number) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) {
      seen.push(
        (await request(h.http).post('/auth/jwt/login').type('form').send({ username: 'target@example.com', password: 'wrong' }))
          .status,
      );
    }
    return seen;
  };

  it('are on by default (RATE_LIMIT unset): the 6th wrong password for one email is 429', async () => {
    expect(await wrongLogins(on, 6)).toEqual([400, 400, 400, 400, 400, 429]);
  });

  it('RATE_LIMIT is on unless set to off; another value fails at startup', () => {
    for (const value of [undefined, '', 'on', ' ON ']) expect(parseRateLimit(value)).toBe(true);
    for (const value of ['off', 'OFF']) expect(parseRateLimit(value)).toBe(false);
    for (const value of ['0', 'false', 'no']) expect(() => parseRateLimit(value)).toThrow(/RATE_LIMIT must be "on" or "off"/);
  });

  it('RATE_LIMIT=off (rateLimit: false) turns them off', async () => {
    expect(new Set(await wrongLogins(off, 25))).toEqual(new Set([400]));
  });
});

describe("the sample's environment (ConfigModule's validate)", () => {
  it('has development defaults for everything but JWT_SECRET: a fresh machine starts with no variable set', () => {
    expect(validateSampleEnv({})).toEqual({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_URL: DEFAULT_DATABASE_URL,
      JWT_SECRET: undefined,
      REDIS_URL: undefined,
      RATE_LIMIT: 'on',
      PUBLIC_URL: 'http://localhost:3000',
    });
    // Anchored at the repository, whatever the working directory.
    expect(DEFAULT_DATABASE_URL).toBe(
      `sqlite:${join(dirname(fileURLToPath(import.meta.url)), '..', 'sample-app', 'data', 'sample.sqlite')}`,
    );
    expect(validateSampleEnv({ PORT: '8080', PUBLIC_URL: 'https://app.example.com/', RATE_LIMIT: 'off' })).toMatchObject({
      PORT: 8080,
      PUBLIC_URL: 'https://app.example.com',
      RATE_LIMIT: 'off',
    });
  });

  it('refuses a bad value at startup, naming the variable and never echoing a database password', () => {
    expect(() => validateSampleEnv({ PORT: '70000' })).toThrow(/^PORT must be a port number/);
    expect(() => validateSampleEnv({ RATE_LIMIT: 'maybe' })).toThrow(/^RATE_LIMIT must be "on" or "off"/);
    expect(() => validateSampleEnv({ REDIS_URL: 'localhost:6379' })).toThrow(/^REDIS_URL must start with redis:\/\//);
    const badDatabase = () => validateSampleEnv({ DATABASE_URL: 'mysql://root:hunter2@db/app' });
    expect(badDatabase).toThrow(/^DATABASE_URL must start with "sqlite:" or "postgres:\/\/"/);
    expect(badDatabase).not.toThrow(/hunter2/);
  });
});
