import { randomBytes } from 'node:crypto';
import { Module, type INestApplication, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_JWK_MEMBERS, testKeyPair } from '@nest-users/testing/jwt';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { AUTH_BACKENDS, PUBLIC_METADATA } from '../users-auth.constants.js';
import { collectPublicJwks, createJwksController } from './jwks.controller.factory.js';

const fingerprintSecret = randomBytes(32);
const rsa = { a: testKeyPair('RS256', 'a'), b: testKeyPair('RS256', 'b') };
const ed = testKeyPair('EdDSA', 'a');
const ec = testKeyPair('ES256', 'a');

function backends(): AuthenticationBackend[] {
  return [
    new JwtAuthentication({ name: 'hmac', secret: randomBytes(32), lifetimeSeconds: 60 }),
    new JwtAuthentication({
      name: 'rsa',
      algorithm: 'RS256',
      lifetimeSeconds: 60,
      fingerprintSecret,
      keys: [
        { kid: 'rsa-2', privateKey: rsa.b.privateKey },
        { kid: 'rsa-1', publicKey: rsa.a.publicKey },
      ],
    }),
    new JwtAuthentication({
      name: 'ec',
      algorithm: 'ES256',
      lifetimeSeconds: 60,
      revokeOnPasswordChange: false,
      keys: [{ kid: 'ec-1', privateKey: ec.privateKey }],
    }),
    new JwtAuthentication({
      name: 'ed',
      algorithm: 'EdDSA',
      lifetimeSeconds: 60,
      fingerprintSecret,
      keys: [{ kid: 'ed-1', privateKey: ed.privateKey }],
    }),
  ];
}

async function createApp(controller: Type<unknown>, list: AuthenticationBackend[], platform: 'express' | 'fastify' = 'express') {
  @Module({ controllers: [controller], providers: [{ provide: AUTH_BACKENDS, useValue: list }] })
  class JwksTestModule {}
  const moduleRef = await Test.createTestingModule({ imports: [JwksTestModule] }).compile();
  const app: INestApplication =
    platform === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter()) : moduleRef.createNestApplication();
  await app.init();
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe.each(['express', 'fastify'] as const)('GET /.well-known/jwks.json (%s)', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(createJwksController(), backends(), platform);
  });
  afterAll(() => app.close());

  it('answers the public keys of every asymmetric backend, cacheable for 5 minutes', async () => {
    const response = await request(app.getHttpServer()).get('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body.keys.map((key: { kid: string }) => key.kid)).toEqual(['rsa-2', 'rsa-1', 'ec-1', 'ed-1']);
    expect(response.body.keys[0]).toEqual({
      kty: 'RSA',
      kid: 'rsa-2',
      alg: 'RS256',
      use: 'sig',
      ...rsa.b.publicKey.export({ format: 'jwk' }),
    });
    expect(response.body.keys[2]).toEqual({
      kty: 'EC',
      kid: 'ec-1',
      alg: 'ES256',
      use: 'sig',
      ...ec.publicKey.export({ format: 'jwk' }),
    });
    expect(response.body.keys[3]).toEqual({
      kty: 'OKP',
      kid: 'ed-1',
      alg: 'EdDSA',
      use: 'sig',
      ...ed.publicKey.export({ format: 'jwk' }),
    });
  });

  it('never holds a private member or an HMAC secret', async () => {
    const response = await request(app.getHttpServer()).get('/.well-known/jwks.json');
    for (const key of response.body.keys) for (const member of PRIVATE_JWK_MEMBERS) expect(key).not.toHaveProperty(member);
    const text = response.text;
    for (const pair of [rsa.b, ec, ed]) {
      expect(text).not.toContain(pair.privateKey.export({ format: 'jwk' }).d);
    }
    expect(text).not.toContain('hmac');
  });

  it('has no other method (POST is 404)', async () => {
    expect((await request(app.getHttpServer()).post('/.well-known/jwks.json')).status).toBe(404);
  });
});

describe('createJwksController', () => {
  it('is public, tagged auth, operationId jwks, with a response schema', async () => {
    const Controller = createJwksController();
    expect(new Reflector().get(PUBLIC_METADATA, Controller)).toBe(true);
    const app = await createApp(Controller, backends());
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const operation = document.paths['/.well-known/jwks.json']!.get!;
    expect(operation.operationId).toBe('jwks');
    expect(operation.tags).toEqual(['auth']);
    expect(operation.security).toBeUndefined();
    expect((operation as unknown as Record<string, unknown>)['x-users-auth']).toMatchObject({ controller: Controller });
    expect(JSON.stringify(operation)).not.toContain('x-users-auth');
    expect(JSON.stringify(operation.responses['200'])).toContain('"keys"');
    await app.close();
  });

  it('mounts at another path, slashes trimmed', async () => {
    const app = await createApp(createJwksController('/auth/keys/'), backends());
    expect((await request(app.getHttpServer()).get('/auth/keys')).body.keys).toHaveLength(4);
    expect((await request(app.getHttpServer()).get('/.well-known/jwks.json')).status).toBe(404);
    await app.close();
  });

  it('answers an empty set when no backend is asymmetric', async () => {
    const app = await createApp(createJwksController(), [
      new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 60 }),
    ]);
    expect((await request(app.getHttpServer()).get('/.well-known/jwks.json')).body).toEqual({ keys: [] });
    await app.close();
  });

  it('answers a fresh copy each time', async () => {
    const Controller = createJwksController() as Type<{ jwks(): { keys: Array<{ kid: string }> } }>;
    const controller = new Controller(backends());
    controller.jwks().keys[0]!.kid = 'changed';
    expect(controller.jwks().keys[0]!.kid).toBe('rsa-2');
  });
});

describe('collectPublicJwks', () => {
  const rs = (name: string, kid: string, pair = rsa.a) =>
    new JwtAuthentication({
      name,
      algorithm: 'RS256',
      lifetimeSeconds: 60,
      revokeOnPasswordChange: false,
      keys: [{ kid, privateKey: pair.privateKey }],
    });

  it('lists a key shared by two backends (same kid, same key) once', () => {
    expect(collectPublicJwks([rs('bearer', 'k'), rs('cookie', 'k')]).map((key) => key.kid)).toEqual(['k']);
  });

  it('refuses one kid naming two different keys, naming both backends', () => {
    expect(() => collectPublicJwks([rs('bearer', 'k'), rs('cookie', 'k', rsa.b)])).toThrow(UsersAuthConfigurationError);
    expect(() => collectPublicJwks([rs('bearer', 'k'), rs('cookie', 'k', rsa.b)])).toThrow(
      /kid "k" names different keys in backends "bearer" and "cookie"/,
    );
  });
});
