import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ConsoleLogger, Logger, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from './fixtures/sample-app.js';
import { LogMailer, Mailer } from '../sample-app/src/mail/mailer.js';
import { createSampleAppDatabase, type SampleAppDatabase } from './fixtures/sample-app-database.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'correct horse battery staple';

describe('sample app: emails from hooks, through an injected mailer', () => {
  let app: INestApplication;
  let database: SampleAppDatabase | undefined;
  let outbox: LogMailer['outbox'];
  const http = () => request(app.getHttpServer());
  const linkFor = async (email: string, subject: string) => {
    for (let i = 0; i < 50; i++) {
      const message = outbox.findLast((m) => m.to === email && m.subject === subject);
      if (message) return message.link;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no "${subject}" mail for ${email}`);
  };

  beforeAll(async () => {
    database = await createSampleAppDatabase('sqlite');
    app = await createSampleApp({
      databaseUrl: database.databaseUrl,
      jwtSecret: randomBytes(32).toString('hex'),
      logger: false,
      rateLimit: false,
    });
    outbox = (app.get(Mailer) as LogMailer).outbox;
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('mails a verification link that verifies, and a reset link that resets', async () => {
    await http().post('/auth/register').send({ email: 'Mia@Example.com', password: PASSWORD }).expect(201);
    await http().post('/auth/request-verify-token').send({ email: 'mia@example.com' }).expect(202);
    const verifyLink = new URL(await linkFor('mia@example.com', 'Verify your email'));
    expect(verifyLink.pathname).toBe('/verify');
    const verified = await http()
      .post('/auth/verify')
      .send({ token: verifyLink.searchParams.get('token') });
    expect(verified.body).toMatchObject({ email: 'mia@example.com', isVerified: true });

    await http().post('/auth/forgot-password').send({ email: 'MIA@example.com' }).expect(202);
    const resetLink = new URL(await linkFor('mia@example.com', 'Reset your password'));
    await http()
      .post('/auth/reset-password')
      .send({ token: resetLink.searchParams.get('token'), password: 'a new long secret' })
      .expect(200);
    await http()
      .post('/auth/jwt/login')
      .type('form')
      .send({ username: 'mia@example.com', password: 'a new long secret' })
      .expect(200);
    expect(outbox.some((m) => m.to !== 'mia@example.com')).toBe(false);
  });

  it('never logs the link at info level in production', async () => {
    // What an app's own logger receives (the `logger` option of NestFactory.create lands here too).
    const lines: string[] = [];
    const record = (level: string) => (message: unknown) => void lines.push(`${level} ${String(message)}`);
    Logger.overrideLogger({
      log: record('info'),
      error: record('error'),
      warn: record('warn'),
      debug: record('debug'),
      verbose: record('verbose'),
    });
    try {
      await new LogMailer(false).send({
        to: 'a@b.io',
        subject: 'Reset your password',
        link: 'http://x/reset-password?token=SECRET',
      });
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    expect(lines.some((line) => line.startsWith('info') && line.includes('a@b.io'))).toBe(true);
    expect(lines.filter((line) => !line.startsWith('debug')).join('\n')).not.toContain('SECRET');
    expect(lines.some((line) => line.startsWith('debug') && line.includes('SECRET'))).toBe(true);
  });
});

describe('sample app: npm run create-superuser', () => {
  let database: SampleAppDatabase | undefined;
  beforeAll(async () => {
    database = await createSampleAppDatabase('sqlite');
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', 'sample-app'], { cwd: root });
  }, 180_000);
  afterAll(() => database?.drop());

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [`${root}sample-app/dist/cli/create-superuser.js`, ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: database!.databaseUrl },
    });

  it('creates a superuser who can use the superuser routes, and refuses bad input', async () => {
    const usage = run('--email', 'root@example.com');
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain('usage:');
    const weak = run('--email', 'root@example.com', '--password', 'short');
    expect(weak.status).toBe(1);
    expect(weak.stderr).toContain('at least 8 characters');

    const created = run('--email', 'Root@Example.com', '--password', PASSWORD);
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^Created superuser root@example\.com \(/);
    const again = run('--email', 'root@example.com', '--password', PASSWORD);
    expect(again.stdout).toMatch(/^Promoted superuser root@example\.com/);

    const app = await createSampleApp({
      databaseUrl: database!.databaseUrl,
      jwtSecret: randomBytes(32).toString('hex'),
      logger: false,
      rateLimit: false,
    });
    try {
      const login = await request(app.getHttpServer())
        .post('/auth/jwt/login')
        .type('form')
        .send({ username: 'root@example.com', password: PASSWORD });
      const stats = await request(app.getHttpServer())
        .get('/admin/stats')
        .set('Authorization', `Bearer ${login.body.access_token}`);
      expect(stats.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('sample app: purging expired database tokens', () => {
  it('removes expired rows and keeps live ones', async () => {
    const { databaseUrl, drop } = await createSampleAppDatabase('sqlite');
    const app = await createSampleApp({
      databaseUrl,
      jwtSecret: randomBytes(32).toString('hex'),
      logger: false,
      rateLimit: false,
    });
    try {
      const { AccessTokenEntity } = await import('@nest-users/typeorm');
      const { TokenPurgeService } = await import('../sample-app/src/users/token-purge.service.js');
      const { DataSource } = await import('typeorm');
      const rows = app.get(DataSource).getRepository(AccessTokenEntity);
      await rows.insert([
        { hash: 'a'.repeat(43), userId: 'u', expiresAt: new Date(Date.now() - 1000) },
        { hash: 'b'.repeat(43), userId: 'u', expiresAt: new Date(Date.now() + 60_000) },
      ]);
      expect(await app.get(TokenPurgeService).purge()).toBe(1);
      expect((await rows.find()).map((row) => row.hash)).toEqual(['b'.repeat(43)]);
    } finally {
      await app.close();
      await drop();
    }
  });
});
