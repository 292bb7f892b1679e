import { randomBytes } from 'node:crypto';
import { OAuthAccountReadDto, OAuthUserReadDto, UserReadDto, type UsersAuthDtos } from '@nest-users/core';
import { ApiProperty } from '@nestjs/swagger';
import { Exclude } from 'class-transformer';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectNoSecrets, login, register } from '../fixtures/http.js';
import { MYSQL_URL, POSTGRES_URL } from '../fixtures/test-app.js';
import { auditSchemas } from '../openapi/schema-audit.js';
import { createOAuthTestApp, type OAuthTestApp } from './oauth-app.fixture.js';
import { signIn } from './oidc-provider.fixture.js';

const COOKIE = '__Host-nest-users-oauth';

/** An app's read DTO that declares token fields on its items by mistake: they are never filled. */
class LeakyAccountReadDto extends OAuthAccountReadDto {
  @ApiProperty()
  accessToken!: string;

  @ApiProperty()
  refreshToken!: string;

  @ApiProperty()
  expiresAt!: number;

  /** Hidden by the app: class-transformer's `@Exclude()` applies to the items too. */
  @Exclude()
  declare accountEmail: string;
}

class AppUserReadDto extends UserReadDto {
  @ApiProperty({ type: () => [LeakyAccountReadDto] })
  oauthAccounts!: LeakyAccountReadDto[];
}

/** An app's read DTO that extends the documented one. */
class ExtendedUserReadDto extends OAuthUserReadDto {
  @ApiProperty({ type: String, nullable: true })
  firstName!: string | null;
}

const variants: Array<[string, 'express' | 'fastify', 'sqlite' | 'postgres' | 'mysql', UsersAuthDtos | undefined]> = [
  ['default read DTO', 'express', 'sqlite', undefined],
  ['default read DTO', 'fastify', 'postgres', undefined],
  ['default read DTO', 'express', 'mysql', undefined],
  ["an app's read DTO declaring token fields", 'express', 'sqlite', { read: AppUserReadDto }],
  ["an app's read DTO extending OAuthUserReadDto", 'fastify', 'sqlite', { read: ExtendedUserReadDto }],
];

describe.each(variants)('Users read with their linked providers (%s, %s, %s)', (label, platform, database, dto) => {
  const skip = (database === 'postgres' && !POSTGRES_URL) || (database === 'mysql' && !MYSQL_URL);
  let t: OAuthTestApp;
  const http = () => request(t.server as never);
  const tag = `${platform}-${database}-${label.length}-${randomBytes(3).toString('hex')}`;
  let seq = 0;
  const person = (email: string) => {
    const id = `reader-${++seq}-${randomBytes(4).toString('hex')}`;
    t.idp.accounts.set(id, { email, emailVerified: true });
    return id;
  };
  /** Every token the store holds (ciphertext) and what it decrypts to: none may reach an answer. */
  async function allTokens(): Promise<string[]> {
    const tokens: string[] = [];
    for (const account of await t.accounts.find()) {
      const stored = account as unknown as { accessToken: string | null; refreshToken: string | null };
      tokens.push(...[stored.accessToken, stored.refreshToken].filter((value): value is string => value !== null));
    }
    for (const user of await t.users.find()) {
      for (const linked of await t.manager.listOAuthAccounts(user)) {
        const plain = await t.manager.getOAuthTokens(user, linked.oauthName, linked.accountId);
        tokens.push(...[plain?.accessToken, plain?.refreshToken].filter((value): value is string => Boolean(value)));
      }
    }
    return tokens;
  }
  const answers: unknown[] = [];
  const keep = <T extends { body: unknown }>(response: T): T => {
    answers.push(response.body);
    return response;
  };
  const expectedItem = (oauthName: string, accountId: string, accountEmail: string) =>
    dto?.read === AppUserReadDto ? { oauthName, accountId } : { oauthName, accountId, accountEmail };

  async function associate(bearer: string, accountId: string) {
    const started = await http().get('/auth/associate/oidc/authorize').set('Authorization', `Bearer ${bearer}`);
    expect(started.status).toBe(200);
    const cookie = [started.headers['set-cookie']]
      .flat()
      .find((line) => line?.startsWith(`${COOKIE}=`))!
      .split(';')[0]!;
    const back = await signIn(started.body.authorization_url, accountId);
    return keep(
      await http()
        .get(`/auth/associate/oidc/callback?${back.searchParams.toString()}`)
        .set({ Cookie: cookie, Authorization: `Bearer ${bearer}` }),
    );
  }

  beforeAll(async () => {
    if (!skip) t = await createOAuthTestApp(platform, database, dto ? { dto } : {});
  });
  afterAll(async () => t?.close());

  it.skipIf(skip)('register, the associate callback, GET/PATCH /users/me and /users/{id} list the linked providers', async () => {
    const email = `reader-${tag}@example.com`;
    const registered = keep(await http().post('/auth/register').send({ email, password: 'correct horse battery' }));
    expect(registered.status).toBe(201);
    expect(registered.body.oauthAccounts).toEqual([]);
    const bearer = await login(t.server, email);
    const providerEmail = `provider-${tag}@example.com`;
    const accountId = person(providerEmail);
    const linked = await associate(bearer, accountId);
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    const item = expectedItem('oidc', accountId, providerEmail);
    expect(linked.body.oauthAccounts).toEqual([item]);

    const auth = { Authorization: `Bearer ${bearer}` };
    const me = keep(await http().get('/users/me').set(auth));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: registered.body.id, email, oauthAccounts: [item] });
    const patched = keep(await http().patch('/users/me').set(auth).send({}));
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.oauthAccounts).toEqual([item]);

    const adminEmail = `admin-${tag}@example.com`;
    const admin = await register(t.server, adminEmail);
    await t.users.update({ id: String(admin.id) }, { isSuperuser: true });
    const adminAuth = { Authorization: `Bearer ${await login(t.server, adminEmail)}` };
    const byId = keep(await http().get(`/users/${registered.body.id}`).set(adminAuth));
    expect(byId.status).toBe(200);
    expect(byId.body.oauthAccounts).toEqual([item]);
    const patchedById = keep(await http().patch(`/users/${registered.body.id}`).set(adminAuth).send({ isVerified: true }));
    expect(patchedById.status, JSON.stringify(patchedById.body)).toBe(200);
    expect(patchedById.body).toMatchObject({ isVerified: true, oauthAccounts: [item] });
    // The admin has none: each user lists only its own.
    expect(keep(await http().get('/users/me').set(adminAuth)).body.oauthAccounts).toEqual([]);
  });

  it.skipIf(skip)('a user signed up by a provider lists that provider', async () => {
    const providerEmail = `signup-${tag}@example.com`;
    const accountId = person(providerEmail);
    const started = await http().get('/auth/oidc/authorize');
    const cookie = [started.headers['set-cookie']]
      .flat()
      .find((line) => line?.startsWith(`${COOKIE}=`))!
      .split(';')[0]!;
    const back = await signIn(started.body.authorization_url, accountId);
    const logged = await http().get(`/auth/oidc/callback?${back.searchParams.toString()}`).set('Cookie', cookie);
    expect(logged.status, JSON.stringify(logged.body)).toBe(200);
    const me = keep(await http().get('/users/me').set('Authorization', `Bearer ${logged.body.access_token}`));
    expect(me.body).toMatchObject({ email: providerEmail, oauthAccounts: [expectedItem('oidc', accountId, providerEmail)] });
  });

  it.skipIf(skip)('loads the linked accounts on the routes that answer a user only, never in the guard', async () => {
    const email = `cheap-${tag}@example.com`;
    await register(t.server, email);
    const auth = { Authorization: `Bearer ${await login(t.server, email)}` };
    const loads = vi.spyOn(t.manager, 'listOAuthAccounts');
    try {
      expect((await http().get('/probe/any').set(auth)).status).toBe(200);
      expect(loads).not.toHaveBeenCalled();
      expect((await http().get('/users/me').set(auth)).status).toBe(200);
      expect(loads).toHaveBeenCalledTimes(1);
    } finally {
      loads.mockRestore();
    }
  });

  it.skipIf(skip)('never answers a token: neither the stored ciphertext nor the plain token, nor any token field', async () => {
    const tokens = await allTokens();
    // The harness kept tokens (oauthTokenKeys is set): otherwise this test could not fail.
    expect(tokens.length).toBeGreaterThanOrEqual(4);
    expect(answers.length).toBeGreaterThanOrEqual(8);
    for (const body of answers) {
      const text = JSON.stringify(body);
      for (const token of tokens) expect(text).not.toContain(token);
      expect(text).not.toMatch(/accessToken|refreshToken|expiresAt|access_token|refresh_token/i);
      expectNoSecrets(body);
    }
  });

  it.skipIf(skip)('documents the list as an array of a typed item', () => {
    const schemas = t.document.components!.schemas! as Record<string, { properties: Record<string, unknown> }>;
    const readName = (dto?.read ?? OAuthUserReadDto).name;
    const itemName = dto?.read === AppUserReadDto ? 'LeakyAccountReadDto' : 'OAuthAccountReadDto';
    expect(schemas[readName]!.properties.oauthAccounts).toMatchObject({
      type: 'array',
      items: { $ref: `#/components/schemas/${itemName}` },
    });
    for (const [path, method, status] of [
      ['/users/me', 'get', '200'],
      ['/users/me', 'patch', '200'],
      ['/users/{id}', 'get', '200'],
      ['/users/{id}', 'patch', '200'],
      ['/auth/register', 'post', '201'],
      ['/auth/verify', 'post', '200'],
      ['/auth/associate/oidc/callback', 'get', '200'],
    ] as const) {
      const operation = (t.document.paths[path] as Record<string, { responses: Record<string, unknown> }>)[method]!;
      expect(JSON.stringify(operation.responses[status]), `${method} ${path}`).toContain(`#/components/schemas/${readName}`);
    }
    if (!dto) {
      expect(
        auditSchemas(t.document, {
          required: {
            OAuthUserReadDto: ['id', 'email', 'isActive', 'isSuperuser', 'isVerified', 'oauthAccounts'],
            OAuthAccountReadDto: ['oauthName', 'accountId', 'accountEmail'],
          },
        }),
      ).toEqual([]);
    }
  });
});
