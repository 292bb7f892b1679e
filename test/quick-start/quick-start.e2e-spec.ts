import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

const here = (file: string) => new URL(file, import.meta.url);
let app: INestApplication;
let base: string;
let dir: string;
let fastifyApp: INestApplication | undefined;
const cwd = process.cwd();

/** Imports a main.ts, which starts the app as `node dist/main` does; the spy hands the test the app it creates. */
async function startMain(load: () => Promise<unknown>): Promise<INestApplication> {
  const create = vi.spyOn(NestFactory, 'create');
  try {
    await load();
    await vi.waitFor(() => expect(create).toHaveReturned(), { timeout: 20_000 });
    const started = (await create.mock.results[0]!.value) as INestApplication;
    await vi.waitFor(() => expect(started.getHttpServer().listening).toBe(true), { timeout: 20_000 });
    return started;
  } finally {
    create.mockRestore();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quick-start-'));
  process.chdir(dir); // the quick start writes app.sqlite next to where it runs
  process.env.JWT_SECRET = randomBytes(32).toString('hex');
  process.env.PORT = '0';
  app = await startMain(() => import('./main.js'));
  base = (await app.getUrl()).replace('[::1]', 'localhost');
});
afterAll(async () => {
  await app?.close();
  // Fastify waits for idle keep-alive connections (fetch keeps them) before it closes.
  (fastifyApp?.getHttpServer() as Server | undefined)?.closeAllConnections();
  await fastifyApp?.close();
  delete process.env.PORT;
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

it('is quoted verbatim in the README', () => {
  const readme = readFileSync(here('../../README.md'), 'utf8');
  for (const file of ['./user.entity.ts', './notes.controller.ts', './app.module.ts', './main.ts', './main.fastify.ts']) {
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

it("the README's Fastify main.ts serves the same routes and the Swagger UI (@fastify/static), on 0.0.0.0", async () => {
  fastifyApp = await startMain(() => import('./main.fastify.js'));
  const { address, port } = fastifyApp.getHttpServer().address() as { address: string; port: number };
  expect(address).toBe('0.0.0.0');
  const url = `http://127.0.0.1:${port}`;
  const register = await fetch(`${url}/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'fastify@b.io', password: 'correct horse' }),
  });
  expect(register.status).toBe(201);
  const login = await fetch(`${url}/auth/jwt/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'username=fastify@b.io&password=correct horse',
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const notes = await fetch(`${url}/notes`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(await notes.json()).toEqual({ owner: 'fastify@b.io', notes: [] });
  const ui = await fetch(`${url}/docs/swagger-ui-bundle.js`);
  expect(ui.status).toBe(200);
  expect(ui.headers.get('content-type')).toMatch(/javascript/);
});
