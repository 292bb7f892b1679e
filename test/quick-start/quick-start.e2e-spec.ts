import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

const here = (file: string) => new URL(file, import.meta.url);
let app: INestApplication;
let base: string;
let dir: string;
const cwd = process.cwd();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quick-start-'));
  process.chdir(dir); // the quick start writes app.sqlite next to where it runs
  process.env.JWT_SECRET = randomBytes(32).toString('hex');
  process.env.PORT = '0';
  // main.ts starts the app on import, as `node dist/main` does; the spy hands the test the app it creates.
  const create = vi.spyOn(NestFactory, 'create');
  await import('./main.js');
  await vi.waitFor(() => expect(create).toHaveReturned(), { timeout: 20_000 });
  app = (await create.mock.results[0]!.value) as INestApplication;
  await vi.waitFor(() => expect(app.getHttpServer().listening).toBe(true), { timeout: 20_000 });
  create.mockRestore();
  base = (await app.getUrl()).replace('[::1]', 'localhost');
});
afterAll(async () => {
  await app?.close();
  delete process.env.PORT;
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

it('is quoted verbatim in the README', () => {
  const readme = readFileSync(here('../../README.md'), 'utf8');
  for (const file of ['./user.entity.ts', './notes.controller.ts', './app.module.ts', './main.ts']) {
    expect(readme).toContain('```ts\n' + readFileSync(here(file), 'utf8') + '```');
  }
});

it('does what the README says: register, log in with curl-style form, call the protected route', async () => {
  const post = (path: string, body: string, type: string) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'Content-Type': type } });
  expect(
    (await post('/auth/register', JSON.stringify({ email: 'a@b.io', password: 'correct horse' }), 'application/json')).status,
  ).toBe(201);
  const login = await post('/auth/jwt/login', 'username=a@b.io&password=correct horse', 'application/x-www-form-urlencoded');
  const body = (await login.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('bearer');
  const notes = await fetch(`${base}/notes`, { headers: { Authorization: `Bearer ${body.access_token}` } });
  expect(notes.status).toBe(200);
  expect(await notes.json()).toEqual({ owner: 'a@b.io', notes: [] });
  expect((await fetch(`${base}/notes`)).status).toBe(401);
  const docs = (await (await fetch(`${base}/docs-json`)).json()) as { components: { securitySchemes: Record<string, unknown> } };
  expect(docs.components.securitySchemes.jwt).toMatchObject({ flows: { password: { tokenUrl: '/auth/jwt/login' } } });
});
