import { randomBytes } from 'node:crypto';
import { JwtAuthentication, UserManager, UserRepository, UsersAuthModule, type UserProtocol } from '@nest-users/core';
import { InMemoryUserRepository } from '@nest-users/testing';
import { Module, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp } from '../fixtures/boot-app.js';
import { expectNoSecrets, login, register } from '../fixtures/http.js';
import { GuardedClassController, ProbeController } from '../fixtures/probe.controller.js';
import { createTestApp, type Platform } from '../fixtures/test-app.js';

type Store = 'typeorm' | 'typeorm, cached' | 'in-memory';

/** The README's setup on the in-memory repository of @nest-users/testing. */
async function createInMemoryApp(platform: Platform): Promise<{ app: INestApplication; close(): Promise<void> }> {
  @Module({ providers: [{ provide: UserRepository, useClass: InMemoryUserRepository }], exports: [UserRepository] })
  class InMemoryRepositoryModule {}
  @Module({
    imports: [
      UsersAuthModule.forRoot({
        imports: [InMemoryRepositoryModule],
        backends: [
          new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 600 }),
          new JwtAuthentication({ name: 'mobile', secret: randomBytes(32), lifetimeSeconds: 600 }),
        ],
      }),
    ],
    controllers: [ProbeController, GuardedClassController],
  })
  class InMemoryAppModule {}
  const { app } = await bootApp(InMemoryAppModule, platform);
  return { app, close: () => app.close() };
}

const variants: Array<[Platform, Store]> = (['express', 'fastify'] as const).flatMap((platform) =>
  (['typeorm', 'typeorm, cached', 'in-memory'] as const).map((store): [Platform, Store] => [platform, store]),
);

describe.each(variants)('a user never serializes its secrets (%s, %s)', (platform, store) => {
  let app: INestApplication;
  let close: () => Promise<void>;

  beforeAll(async () => {
    if (store === 'in-memory') ({ app, close } = await createInMemoryApp(platform));
    else
      ({ app, close } = await createTestApp({
        platform,
        userCache: store === 'typeorm, cached' ? { ttlSeconds: 60 } : undefined,
      }));
  });
  afterAll(async () => close?.());

  it('an app handler returning @CurrentUser() as it is sends no hash and no security stamp, with or without class-transformer', async () => {
    const server = app.getHttpServer();
    await register(server, 'plain@example.com');
    // With a security stamp set too, so that both secrets are present on the loaded user.
    const manager = app.get(UserManager) as UserManager<UserProtocol<string>, string>;
    await manager.logoutEverywhere(await manager.getByEmail('plain@example.com'));
    const token = await login(server, 'plain@example.com');
    for (const path of ['/probe/me-as-is', '/probe/me-serialized']) {
      const response = await request(server).get(path).set('Authorization', `Bearer ${token}`);
      expect(response.status, path).toBe(200);
      expect(response.body, path).toMatchObject({ email: 'plain@example.com', isActive: true, isVerified: false });
      expect(response.body, path).not.toHaveProperty('hashedPassword');
      expect(response.body, path).not.toHaveProperty('securityStamp');
      expectNoSecrets(response.body);
    }
  });

  it('a user from UserManager stringifies without them, yet keeps them for the library', async () => {
    const manager = app.get(UserManager) as UserManager<UserProtocol<string>, string>;
    const user = await manager.getByEmail('plain@example.com');
    expect(user.hashedPassword).toMatch(/^\$argon2id\$/);
    expect(user.securityStamp).toEqual(expect.any(String));
    const json = JSON.parse(JSON.stringify(user)) as Record<string, unknown>;
    expect(json).toMatchObject({ id: user.id, email: 'plain@example.com' });
    expect(Object.keys(json)).not.toContain('hashedPassword');
    expect(Object.keys(json)).not.toContain('securityStamp');
  });
});
