import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  Argon2PasswordHelper,
  AuthenticationBackend,
  BackgroundTasks,
  BearerTransport,
  JwtAuthentication,
  UserManager,
  UsersAuthModule,
} from '@nest-users/core';
import { createTestDatabase, testDatabaseAvailable, type TestDatabase } from '@nest-users/testing/typeorm';
import {
  AccessTokenEntity,
  DatabaseStrategy,
  FastApiUsersAccessTokenEntity,
  FastApiUsersUserEntity,
  FastApiUsersUserEntityWithSecurityStamp,
  importFastApiUsersAccessTokens,
  TypeOrmTokenStore,
  UsersAuthTypeOrmModule,
} from '@nest-users/typeorm';
import { Module, type INestApplication } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource, Entity, type MigrationInterface } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwdlibArgon2 } from '../../docs/snippets/migration/pwdlib-argon2.js';
import { NestUsersSecurityStamp1764547200001 } from '../../docs/snippets/migration/security-stamp.migration.js';
import { NestUsersTokenTable1764547200000 } from '../../docs/snippets/migration/token-table.migration.js';
import { bootApp } from '../fixtures/boot-app.js';
import { FASTAPI_USERS_DDL, runSql, sqlTimestamp } from './fastapi-users.schema.js';

/** Debian's interpreter: python3-jwt, python3-argon2 and python3-bcrypt install there (not into a pyenv's). */
const PYTHON = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const FIXTURES = fileURLToPath(new URL('./fastapi_users_fixtures.py', import.meta.url));
const SUITE = 'fastapi-users interop';

function pythonMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import jwt, argon2, bcrypt'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} lacks PyJWT, argon2-cffi or bcrypt (${probe.stderr.trim().split('\n').pop()})`;
  return undefined;
}
const missing = pythonMissing();
if (missing) {
  console.warn(`${SUITE}: skipped: ${missing}. Install: apt-get install -y python3-jwt python3-argon2 python3-bcrypt`);
}

type PythonRequest =
  | { op: 'argon2' | 'bcrypt'; password: string }
  | { op: 'jwt'; data: Record<string, unknown>; secret: string; lifetime: number | null }
  | { op: 'token' }
  | { op: 'read'; token: string; secret: string };

/** Hashes and tokens made by fastapi-users' own libraries (see fastapi_users_fixtures.py), one Python run per call. */
function python(requests: PythonRequest[]): string[] {
  const run = spawnSync(PYTHON, [FIXTURES], { input: JSON.stringify(requests), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`fastapi_users_fixtures.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

@Entity('user')
class User extends FastApiUsersUserEntity {}

/** The same table with the one column nest-users adds, after the guide's `ALTER TABLE`. */
@Entity('user')
class StampedUser extends FastApiUsersUserEntityWithSecurityStamp {}

/** Keeps the reset tokens it would mail. */
class MailingManager extends UserManager<StampedUser> {
  readonly resetTokens: string[] = [];

  override async onAfterForgotPassword(_user: StampedUser, token: string): Promise<void> {
    this.resetTokens.push(token);
  }
}

const PASSWORD = 'fastapi-users password';
/** A fastapi-users `SECRET` long enough for HS256 here (≥ 32 bytes); shorter ones must be replaced (see the guide). */
const SECRET = randomBytes(32).toString('hex');
const RESET_SECRET = randomBytes(32).toString('hex');
const VERIFY_SECRET = randomBytes(32).toString('hex');
const AUD = ['fastapi-users:auth'];
const OUR_ARGON2 = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

/** Runs one of the guide's migrations (docs/snippets/migration) as TypeORM's migration runner would. */
async function migrate(dataSource: DataSource, migration: MigrationInterface): Promise<void> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await migration.up(queryRunner);
  } finally {
    await queryRunner.release();
  }
}

/**
 * What TypeORM's SQLite schema diff may hold for fastapi-users' `user` table: the table rebuilt, every column kept with
 * its type and nullability (the id's type named varchar instead of CHAR(36)), every row copied.
 */
function expectSqliteRebuildOnly(statements: string[], withStamp = false): void {
  const names = [
    'email',
    'hashed_password',
    'is_active',
    'is_superuser',
    'is_verified',
    'id',
    ...(withStamp ? ['security_stamp'] : []),
  ];
  const columns = names.map((name) => `"${name}"`).join(', ');
  const definitions = [
    '"email" varchar\\(320\\) NOT NULL',
    '"hashed_password" varchar\\(1024\\) NOT NULL',
    '"is_active" boolean NOT NULL',
    '"is_superuser" boolean NOT NULL',
    '"is_verified" boolean NOT NULL',
    '"id" (char\\(36\\)|varchar) PRIMARY KEY NOT NULL',
    ...(withStamp ? ['"security_stamp" varchar\\(64\\)'] : []),
  ].join(', ');
  const forms = [
    'DROP INDEX "ix_user_email"',
    `CREATE TABLE "temporary_user" \\(${definitions}\\)`,
    `INSERT INTO "temporary_user"\\(${columns}\\) SELECT ${columns} FROM "user"`,
    'DROP TABLE "user"',
    'ALTER TABLE "temporary_user" RENAME TO "user"',
    'CREATE UNIQUE INDEX "ix_user_email" ON "user" \\("email"\\) ',
  ];
  const allowed = new RegExp(forms.map((form) => `^${form}$`).join('|'));
  for (const sql of statements) expect(sql).toMatch(allowed);
}

const kinds = (['sqlite', 'postgres'] as const).filter((kind) => testDatabaseAvailable(kind, SUITE));

describe.skipIf(missing !== undefined).each(kinds)('%s: a fastapi-users database', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let app: INestApplication;
  let server: unknown;
  const ids = { ada: randomUUID(), bob: randomUUID(), cyd: randomUUID(), fay: randomUUID() };
  const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?');
  const http = () => request(server as never);

  const insertUser = (id: string, email: string, hash: string, active = true) =>
    runSql(
      database,
      `INSERT INTO "user" (id, email, hashed_password, is_active, is_superuser, is_verified) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)})`,
      [
        id,
        email,
        hash,
        kind === 'postgres' ? active : Number(active),
        kind === 'postgres' ? false : 0,
        kind === 'postgres' ? false : 0,
      ],
    );
  const storedHash = async (id: string) =>
    String((await runSql(database, `SELECT hashed_password FROM "user" WHERE id = ${p(1)}`, [id]))[0]?.hashed_password);
  const login = (username: string, password = PASSWORD) =>
    http().post('/auth/jwt/login').type('form').send({ username, password });
  const me = (token: string) => http().get('/users/me').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    database = await createTestDatabase(kind, {
      synchronize: false,
      entities: [User, AccessTokenEntity, FastApiUsersAccessTokenEntity],
    });
    await runSql(database, FASTAPI_USERS_DDL[kind]);
    const [adaHash, bobHash, cydHash, fayHash] = python([
      { op: 'argon2', password: PASSWORD },
      { op: 'bcrypt', password: PASSWORD },
      { op: 'argon2', password: PASSWORD },
      { op: 'bcrypt', password: PASSWORD },
    ]);
    await insertUser(ids.ada, 'ada@example.com', adaHash!);
    // fastapi-users keeps an email as typed; nest-users finds it in any case (and stores new ones canonical).
    await insertUser(ids.bob, 'Bob@Example.com', bobHash!);
    await insertUser(ids.cyd, 'cyd@example.com', cydHash!, false);
    await insertUser(ids.fay, 'fay@example.com', fayHash!);

    // createTestDatabase, then the DataSource by hand: fastapi-users' tables must exist (made by its own DDL above)
    // before TypeORM opens on them, and openTestDataSource opens at once.
    dataSource = new DataSource(database.options);
    await dataSource.initialize();
  });
  afterAll(async () => {
    await app?.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  it('maps the tables: TypeORM finds nothing to change in them (SQLite: one type name, no data)', async () => {
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    const statements = upQueries.map(({ query }) => query);
    const touching = statements.filter((sql) => /"(temporary_)?user"|ix_user_email|accesstoken/i.test(sql));
    if (kind === 'postgres') {
      expect(touching).toEqual([]);
    } else {
      // TypeORM names SQLite's uuid type varchar, SQLAlchemy wrote CHAR(36) (both TEXT affinity): synchronize would
      // rebuild the table under the other name, every column and row copied as is. The guide says: never synchronize.
      expectSqliteRebuildOnly(touching);
    }
    // The one thing nest-users adds: its own token table, which the migration creates (as here) with these statements.
    const additions = statements.filter((sql) => !touching.includes(sql));
    expect(additions.every((sql) => /"access_token"/.test(sql))).toBe(true);
    expect(additions.some((sql) => /^CREATE TABLE .*"access_token"/.test(sql))).toBe(true);
    await migrate(dataSource, new NestUsersTokenTable1764547200000());
    expect(
      (await dataSource.driver.createSchemaBuilder().log()).upQueries.filter(({ query }) => /"access_token"/.test(query)),
    ).toEqual([]);
  });

  it('boots on it', async () => {
    const tokenRepository = dataSource.getRepository(AccessTokenEntity);
    @Module({
      imports: [
        TypeOrmModule.forRootAsync({ useFactory: () => database.options, dataSourceFactory: async () => dataSource }),
        UsersAuthModule.forRoot({
          imports: [UsersAuthTypeOrmModule.forFeature(User)],
          backends: [
            new JwtAuthentication({ secret: SECRET, lifetimeSeconds: 3600, audience: AUD, revokeOnPasswordChange: false }),
            new AuthenticationBackend({
              name: 'database',
              transport: new BearerTransport(),
              strategy: new DatabaseStrategy(tokenRepository, { lifetimeSeconds: 3600 }),
            }),
          ],
          resetPasswordToken: { secret: RESET_SECRET },
          verifyToken: { secret: VERIFY_SECRET },
          // Not a rate-limit suite: several logins from 127.0.0.1.
          rateLimit: false,
        }),
      ],
    })
    class InteropModule {}
    ({ app } = await bootApp(InteropModule, 'express'));
    server = app.getHttpServer();
  });

  it("logs in with pwdlib's argon2id hash and rewrites it with nest-users' parameters", async () => {
    expect(await storedHash(ids.ada)).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
    const response = await login('ada@example.com');
    expect(response.status, response.text).toBe(200);
    expect(response.body.token_type).toBe('bearer');
    expect(await storedHash(ids.ada)).toMatch(OUR_ARGON2);
    expect((await me(response.body.access_token)).body).toEqual({
      id: ids.ada,
      email: 'ada@example.com',
      isActive: true,
      isSuperuser: false,
      isVerified: false,
    });
    // The rewritten hash still verifies, and is left alone from now on.
    const again = await login('ada@example.com');
    expect(again.status).toBe(200);
  });

  it('logs in with a legacy bcrypt hash, in any case of the stored email, and rewrites it as argon2id', async () => {
    expect(await storedHash(ids.bob)).toMatch(/^\$2b\$12\$/);
    expect((await login('bob@example.com', 'wrong password')).body).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
    expect(await storedHash(ids.bob)).toMatch(/^\$2b\$12\$/);
    const response = await login('BOB@example.com');
    expect(response.status, response.text).toBe(200);
    expect(await storedHash(ids.bob)).toMatch(OUR_ARGON2);
    expect((await me(response.body.access_token)).body).toMatchObject({ id: ids.bob, email: 'Bob@Example.com' });
  });

  it('refuses an inactive user as fastapi-users does: LOGIN_BAD_CREDENTIALS', async () => {
    expect((await login('cyd@example.com')).body).toEqual({ statusCode: 400, detail: 'LOGIN_BAD_CREDENTIALS' });
  });

  it('accepts access tokens minted by fastapi-users (PyJWT, HS256, aud fastapi-users:auth) with the same secret', async () => {
    const [token] = python([{ op: 'jwt', data: { sub: ids.ada, aud: AUD }, secret: SECRET, lifetime: 3600 }]);
    const response = await me(token!);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ id: ids.ada, email: 'ada@example.com' });
  });

  it('mints tokens a fastapi-users service sharing the secret accepts (PyJWT decodes them, sub = the user id)', async () => {
    const token = (await login('ada@example.com')).body.access_token;
    expect(python([{ op: 'read', token, secret: SECRET }])).toEqual([ids.ada]);
    expect(python([{ op: 'read', token, secret: randomBytes(32).toString('hex') }])).toEqual(['']);
  });

  it('refuses fastapi-users tokens with another secret, another audience, expired, without exp, or for nobody', async () => {
    const cases = {
      'another secret': { data: { sub: ids.ada, aud: AUD }, secret: randomBytes(32).toString('hex'), lifetime: 3600 },
      'reset audience': { data: { sub: ids.ada, aud: 'fastapi-users:reset' }, secret: SECRET, lifetime: 3600 },
      "nest-users' default audience": { data: { sub: ids.ada, aud: 'nest-users:auth:jwt' }, secret: SECRET, lifetime: 3600 },
      expired: { data: { sub: ids.ada, aud: AUD }, secret: SECRET, lifetime: -120 },
      'no exp (lifetime_seconds=None)': { data: { sub: ids.ada, aud: AUD }, secret: SECRET, lifetime: null },
      'unknown user': { data: { sub: randomUUID(), aud: AUD }, secret: SECRET, lifetime: 3600 },
      'inactive user': { data: { sub: ids.cyd, aud: AUD }, secret: SECRET, lifetime: 3600 },
      'pre-10.3 user_id claim': { data: { user_id: ids.ada, aud: AUD }, secret: SECRET, lifetime: 3600 },
    };
    const tokens = python(Object.values(cases).map((c) => ({ op: 'jwt' as const, ...c })));
    for (const [name, token] of Object.keys(cases).map((name, i) => [name, tokens[i]!] as const)) {
      const response = await me(token);
      expect(response.status, name).toBe(401);
      expect(response.body, name).toEqual({ statusCode: 401, detail: 'Unauthorized' });
    }
  });

  it("refuses fastapi-users' reset and verify tokens, even under the same secrets: 400, never 500", async () => {
    const [fingerprint] = python([{ op: 'argon2', password: await storedHash(ids.bob) }]);
    const [reset, verify] = python([
      {
        op: 'jwt',
        data: { sub: ids.bob, password_fgpt: fingerprint, aud: 'fastapi-users:reset' },
        secret: RESET_SECRET,
        lifetime: 3600,
      },
      {
        op: 'jwt',
        data: { sub: ids.ada, email: 'ada@example.com', aud: 'fastapi-users:verify' },
        secret: VERIFY_SECRET,
        lifetime: 3600,
      },
    ]);
    const resetResponse = await http().post('/auth/reset-password').send({ token: reset, password: 'a new password!' });
    expect(resetResponse.body).toEqual({ statusCode: 400, detail: 'RESET_PASSWORD_BAD_TOKEN' });
    expect((await login('bob@example.com')).status).toBe(200);
    const verifyResponse = await http().post('/auth/verify').send({ token: verify });
    expect(verifyResponse.body).toEqual({ statusCode: 400, detail: 'VERIFY_USER_BAD_TOKEN' });
  });

  it('registers new users as rows fastapi-users can read: snake_case columns, UUID ids, flags set', async () => {
    const created = await http().post('/auth/register').send({ email: 'Dee@Example.com', password: PASSWORD });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      email: 'dee@example.com',
      isActive: true,
      isSuperuser: false,
      isVerified: false,
    });
    const [row] = await runSql(database, `SELECT * FROM "user" WHERE id = ${p(1)}`, [created.body.id]);
    expect({ ...row, id: String(row!.id) }).toEqual({
      id: created.body.id,
      email: 'dee@example.com',
      hashed_password: expect.stringMatching(OUR_ARGON2),
      is_active: kind === 'postgres' ? true : 1,
      is_superuser: kind === 'postgres' ? false : 0,
      is_verified: kind === 'postgres' ? false : 0,
    });
    const taken = await http().post('/auth/register').send({ email: 'ADA@example.com', password: PASSWORD });
    expect(taken.body).toEqual({ statusCode: 400, detail: 'REGISTER_USER_ALREADY_EXISTS' });
  });

  it('answers a fastapi-users front end as the guide says: camelCase users, empty 202 bodies, the same detail codes', async () => {
    const token = (await login('dee@example.com')).body.access_token;
    const auth = { Authorization: `Bearer ${token}` };
    // snake_case keys are not fields here: ignored, as fastapi-users ignores the flags in its safe mode.
    const registered = await http()
      .post('/auth/register')
      .send({ email: 'eve@example.com', password: PASSWORD, is_verified: true });
    expect(registered.status).toBe(201);
    expect(Object.keys(registered.body).sort()).toEqual(['email', 'id', 'isActive', 'isSuperuser', 'isVerified']);
    expect(registered.body.isVerified).toBe(false);
    expect((await http().patch('/users/me').set(auth).send({ is_superuser: true })).body.isSuperuser).toBe(false);
    // fastapi-users answers these with a JSON `null`; here the body is empty, without a content type.
    for (const path of ['/auth/forgot-password', '/auth/request-verify-token']) {
      const response = await http().post(path).send({ email: 'dee@example.com' });
      expect(response.status, path).toBe(202);
      expect(response.text, path).toBe('');
      expect(response.headers['content-type'], path).toBeUndefined();
    }
    // Changing the password needs the current one (requireCurrentPassword: false restores fastapi-users' behaviour).
    expect((await http().patch('/users/me').set(auth).send({ password: 'another password' })).body).toEqual({
      statusCode: 400,
      detail: { code: 'UPDATE_USER_INVALID_PASSWORD', reason: 'The current password is missing or wrong' },
    });
    // Validation: FastAPI's loc/msg/type keys, class-validator's types and messages.
    const invalid = await http().post('/auth/register').send({ email: 'not-an-email', password: PASSWORD });
    expect(invalid.status).toBe(422);
    expect(invalid.body.detail).toEqual([{ loc: ['body', 'email'], msg: expect.any(String), type: 'isUserEmail' }]);
    const anonymous = await http().get('/users/me');
    expect(anonymous.body).toEqual({ statusCode: 401, detail: 'Unauthorized' });
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    // The OAuth2 form as before, or JSON.
    expect((await http().post('/auth/jwt/login').send({ username: 'dee@example.com', password: PASSWORD })).status).toBe(200);
  });

  it("moves fastapi-users' database sessions to hashed storage: live ones keep working, none stays in clear", async () => {
    const [live, expired, orphan, fays] = python([{ op: 'token' }, { op: 'token' }, { op: 'token' }, { op: 'token' }]);
    const now = Date.now();
    const insert = (token: string, createdAt: Date, userId: string) =>
      runSql(database, `INSERT INTO accesstoken (token, created_at, user_id) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [
        token,
        sqlTimestamp(kind, createdAt),
        userId,
      ]);
    await insert(live!, new Date(now - 600_000), ids.ada);
    await insert(expired!, new Date(now - 7_200_000), ids.ada);
    await insert(orphan!, new Date(now - 60_000), ids.bob);
    await insert(fays!, new Date(now - 60_000), ids.fay);
    await runSql(database, `DELETE FROM "user" WHERE id = ${p(1)}`, [ids.bob]); // ON DELETE CASCADE takes its session
    expect(await runSql(database, 'SELECT token FROM accesstoken')).toHaveLength(3);
    // A token left in accesstoken is not a nest-users session.
    expect((await http().get('/users/me').set('Authorization', `Bearer ${live}`)).status).toBe(401);

    const result = await importFastApiUsersAccessTokens({
      tokens: dataSource.getRepository(FastApiUsersAccessTokenEntity),
      users: dataSource.getRepository(User),
      store: new TypeOrmTokenStore(dataSource.getRepository(AccessTokenEntity)),
      lifetimeSeconds: 3600,
    });
    expect(result).toEqual({ imported: 2, dropped: 1 });
    expect(await runSql(database, 'SELECT token FROM accesstoken')).toEqual([]);
    const stored = await dataSource.getRepository(AccessTokenEntity).find();
    expect(stored).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toContain(live!);
    const adaSession = stored.find((row) => row.userId === ids.ada)!;
    expect(Math.abs(adaSession.expiresAt.getTime() - (now - 600_000 + 3_600_000))).toBeLessThan(2000);

    const response = await me(live!);
    expect(response.status, response.text).toBe(200);
    expect(response.body.id).toBe(ids.ada);
    expect((await me(expired!)).status).toBe(401);
    expect((await http().post('/auth/database/logout').set('Authorization', `Bearer ${live}`)).status).toBe(204);
    expect((await me(live!)).status).toBe(401);

    // A session is bound to the password hash, and the first login after the move rewrites a legacy hash: like a
    // password change, that ends the user's other sessions (the guide says so).
    expect((await me(fays!)).status).toBe(200);
    expect((await login('fay@example.com')).status).toBe(200);
    expect(await storedHash(ids.fay)).toMatch(OUR_ARGON2);
    expect((await me(fays!)).status).toBe(401);
  });

  describe('with security_stamp added (FastApiUsersUserEntityWithSecurityStamp)', () => {
    let stampedSource: DataSource;
    let stampedApp: INestApplication;
    const stamp = async (id: string) =>
      (await runSql(database, `SELECT security_stamp FROM "user" WHERE id = ${p(1)}`, [id]))[0]?.security_stamp;

    beforeAll(async () => {
      await migrate(dataSource, new NestUsersSecurityStamp1764547200001());
      // A second DataSource on the same test database, with the migrated entity (the helper makes a new database).
      stampedSource = new DataSource({ ...database.options, entities: [StampedUser, AccessTokenEntity] });
      await stampedSource.initialize();
      @Module({
        imports: [
          TypeOrmModule.forRootAsync({ useFactory: () => database.options, dataSourceFactory: async () => stampedSource }),
          UsersAuthModule.forRoot({
            imports: [UsersAuthTypeOrmModule.forFeature(StampedUser)],
            backends: [
              new JwtAuthentication({ secret: SECRET, lifetimeSeconds: 3600, audience: AUD, revokeOnPasswordChange: false }),
            ],
            userManager: MailingManager,
            resetPasswordToken: { secret: RESET_SECRET },
            verifyToken: { secret: VERIFY_SECRET },
            rateLimit: false,
          }),
        ],
      })
      class StampedModule {}
      ({ app: stampedApp } = await bootApp(StampedModule, 'express'));
    });
    afterAll(async () => {
      await stampedApp?.close();
      if (stampedSource?.isInitialized) await stampedSource.destroy();
    });

    it('maps the added column, and TypeORM wants no other change', async () => {
      const { upQueries } = await stampedSource.driver.createSchemaBuilder().log();
      const statements = upQueries.map(({ query }) => query);
      if (kind === 'postgres') expect(statements).toEqual([]);
      // SQLite: only the type-name rebuild of the first test, which keeps security_stamp as it is.
      else expectSqliteRebuildOnly(statements, true);
    });

    it('"log out everywhere" writes the stamp and thereby ends a pending reset token; a later one works', async () => {
      const http2 = () => request(stampedApp.getHttpServer() as never);
      const manager = stampedApp.get(UserManager) as MailingManager;
      const forgot = async () => {
        expect((await http2().post('/auth/forgot-password').send({ email: 'ada@example.com' })).status).toBe(202);
        await stampedApp.get(BackgroundTasks).drain();
        return manager.resetTokens.at(-1)!;
      };
      expect(await stamp(ids.ada)).toBeNull();
      const pending = await forgot();
      const token = (await http2().post('/auth/jwt/login').type('form').send({ username: 'ada@example.com', password: PASSWORD }))
        .body.access_token;
      expect((await http2().post('/auth/jwt/logout-all').set('Authorization', `Bearer ${token}`)).status).toBe(204);
      expect(await stamp(ids.ada)).toMatch(/^[\w-]{16,64}$/);
      const refused = await http2().post('/auth/reset-password').send({ token: pending, password: 'a brand new password' });
      expect(refused.body).toEqual({ statusCode: 400, detail: 'RESET_PASSWORD_BAD_TOKEN' });
      const accepted = await http2()
        .post('/auth/reset-password')
        .send({ token: await forgot(), password: 'a brand new password' });
      expect(accepted.status, accepted.text).toBe(200);
      expect(accepted.text).toBe('');
      expect(accepted.headers['content-type']).toBeUndefined();
      expect(await storedHash(ids.ada)).toMatch(OUR_ARGON2);
      const relogin = await http2()
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: 'ada@example.com', password: 'a brand new password' });
      expect(relogin.status).toBe(200);
    });
  });
});

describe.skipIf(missing !== undefined)("Argon2PasswordHelper on fastapi-users' hashes", () => {
  it("rewrites pwdlib's argon2id (t=3, m=64 MiB, p=4) and bcrypt hashes with the default parameters", async () => {
    const [argon2, bcrypt] = python([
      { op: 'argon2', password: PASSWORD },
      { op: 'bcrypt', password: PASSWORD },
    ]);
    const helper = new Argon2PasswordHelper();
    for (const stored of [argon2!, bcrypt!]) {
      const { verified, updatedHash } = await helper.verifyAndUpdate(PASSWORD, stored);
      expect(verified).toBe(true);
      expect(updatedHash).toMatch(OUR_ARGON2);
      expect(await helper.verifyAndUpdate('wrong password', stored)).toEqual({ verified: false });
    }
  });

  it("keeps pwdlib's argon2id hashes as they are when given pwdlib's parameters (the guide's pwdlibArgon2)", async () => {
    const [argon2, bcrypt] = python([
      { op: 'argon2', password: PASSWORD },
      { op: 'bcrypt', password: PASSWORD },
    ]);
    const helper = new Argon2PasswordHelper(pwdlibArgon2);
    expect(await helper.verifyAndUpdate(PASSWORD, argon2!)).toEqual({ verified: true });
    expect((await helper.verifyAndUpdate(PASSWORD, bcrypt!)).updatedHash).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
  });
});
