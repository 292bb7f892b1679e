import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../fixtures/http.js';
import { createTestApp, type Platform, type TestApp } from '../fixtures/test-app.js';
import { auditSchemas } from '../openapi/schema-audit.js';

type Op = { path: string; method: string; operation: OperationObject };

function operations(document: OpenAPIObject): Op[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as OperationObject })),
  );
}

const find = (document: OpenAPIObject, path: string, method = 'get') =>
  operations(document).find((op) => op.path === path && op.method === method)!.operation;

const variants: Array<[Platform, string, boolean]> = [
  ['express', '', false],
  ['express', 'api', false],
  ['fastify', 'api/v1', false],
  ['express', 'api', true],
];

describe.each(variants)('OpenAPI document (%s, prefix "%s", globalGuard %s)', (platform, prefix, globalGuard) => {
  let t: TestApp;
  const base = prefix ? `/${prefix}` : '';

  beforeAll(async () => {
    t = await createTestApp({ platform, globalPrefix: prefix || undefined, globalGuard });
  });
  afterAll(async () => t?.close());

  it('is a valid OpenAPI document, served at /docs-json', async () => {
    await SwaggerParser.validate(structuredClone(t.document) as never);
    const served = await request(t.server as never).get('/docs-json');
    expect(served.status).toBe(200);
    expect(served.body.components.securitySchemes).toEqual(t.document.components!.securitySchemes);
    const ui = await request(t.server as never).get('/docs/swagger-ui-init.js');
    expect(ui.text).toContain('"persistAuthorization": true');
  });

  it('has one OAuth2 password scheme per backend, whose tokenUrl is the real login path', async () => {
    const schemes = t.document.components!.securitySchemes!;
    expect(Object.keys(schemes).sort()).toEqual(['jwt', 'mobile']);
    await register(t.server, 'docs@example.com').catch(async () => {
      // With a global prefix the helper's path is wrong; register through the prefixed path instead.
      const response = await request(t.server as never)
        .post(`${base}/auth/register`)
        .send({ email: 'docs@example.com', password: 'correct horse battery' });
      expect(response.status).toBe(201);
    });
    for (const [name, scheme] of Object.entries(schemes)) {
      const tokenUrl = (scheme as { flows: { password: { tokenUrl: string } } }).flows.password.tokenUrl;
      expect(scheme).toMatchObject({ type: 'oauth2', flows: { password: { scopes: {} } } });
      expect(tokenUrl).toBe(`${base}/auth/${name}/login`);
      const response = await request(t.server as never)
        .post(tokenUrl)
        .set('Authorization', 'Basic Og==')
        .type('form')
        .send('grant_type=password&username=docs%40example.com&password=correct+horse+battery&scope=');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ access_token: expect.any(String), token_type: 'bearer' });
    }
  });

  it('lists the schemes on protected operations only, and every one exists', () => {
    const schemes = Object.keys(t.document.components!.securitySchemes!);
    for (const { operation } of operations(t.document)) {
      for (const requirement of operation.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      }
      expect(JSON.stringify(operation)).not.toContain('x-users-auth');
    }
    expect(find(t.document, `${base}/users/me`).security).toEqual([{ jwt: [] }, { mobile: [] }]);
    expect(find(t.document, `${base}/probe/any`).security).toEqual([{ jwt: [] }, { mobile: [] }]);
    expect(find(t.document, `${base}/probe/jwt-only`).security).toEqual([{ jwt: [] }]);
    expect(find(t.document, `${base}/guarded-class`).security).toEqual([{ jwt: [] }, { mobile: [] }]);
    expect(find(t.document, `${base}/auth/jwt/logout`, 'post').security).toEqual([{ jwt: [] }]);
    expect(find(t.document, `${base}/auth/jwt/login`, 'post').security).toBeUndefined();
    expect(find(t.document, `${base}/auth/register`, 'post').security).toBeUndefined();
    // An undecorated route is public, unless the global guard protects everything.
    expect(find(t.document, `${base}/probe/public`).security).toEqual(globalGuard ? [{ jwt: [] }, { mobile: [] }] : undefined);
  });

  it('documents the status codes of each route (as fastapi-users test_openapi does)', () => {
    const codes = (path: string, method = 'get') => Object.keys(find(t.document, `${base}${path}`, method).responses).sort();
    expect(codes('/auth/jwt/login', 'post')).toEqual(['200', '400', '422', '429']);
    expect(codes('/auth/jwt/logout', 'post')).toEqual(['204', '401']);
    expect(codes('/auth/register', 'post')).toEqual(['201', '400', '422', '429']);
    expect(codes('/users/me')).toEqual(['200', '401']);
    expect(codes('/users/me', 'patch')).toEqual(['200', '400', '401', '422']);
    expect(codes('/users/{id}')).toEqual(['200', '401', '403', '404']);
    expect(codes('/users/{id}', 'patch')).toEqual(['200', '400', '401', '403', '404', '422']);
    expect(codes('/users/{id}', 'delete')).toEqual(['204', '401', '403', '404']);
    expect(codes('/auth/request-verify-token', 'post')).toEqual(['202', '422', '429']);
    expect(codes('/auth/verify', 'post')).toEqual(['200', '400', '422', '429']);
    expect(codes('/auth/forgot-password', 'post')).toEqual(['202', '422', '429']);
    expect(codes('/auth/reset-password', 'post')).toEqual(['200', '400', '422', '429']);
    expect(codes('/auth/jwt/refresh', 'post')).toEqual(['200', '401', '403', '404', '429']);
    expect(codes('/probe/superuser')).toEqual(['401', '403']);
    expect(codes('/probe/public')).toEqual(globalGuard ? ['200', '401'] : ['200']);
  });

  it('documents the 429 of every rate-limited route: its body and Retry-After', () => {
    const limited = [
      ['/auth/jwt/login', 'post'],
      ['/auth/mobile/login', 'post'],
      ['/auth/jwt/refresh', 'post'],
      ['/auth/mobile/refresh', 'post'],
      ['/auth/register', 'post'],
      ['/auth/forgot-password', 'post'],
      ['/auth/reset-password', 'post'],
      ['/auth/request-verify-token', 'post'],
      ['/auth/verify', 'post'],
    ];
    for (const [path, method] of limited) {
      const response = find(t.document, `${base}${path}`, method).responses['429'] as unknown as {
        headers: Record<string, { schema: unknown }>;
        content: { 'application/json': { schema: { $ref: string }; example: unknown } };
      };
      expect(response, path).toBeDefined();
      expect(response.headers['Retry-After']!.schema).toEqual({ type: 'integer', minimum: 1 });
      expect(response.content['application/json'].example).toEqual({ statusCode: 429, detail: 'TOO_MANY_REQUESTS' });
      expect(response.content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorDto');
    }
    for (const { path, operation } of operations(t.document)) {
      if (!limited.some(([limitedPath]) => `${base}${limitedPath}` === path))
        expect(operation.responses['429'], path).toBeUndefined();
    }
  });

  it('documents the login form, the token response and the error codes', () => {
    const login = find(t.document, `${base}/auth/jwt/login`, 'post');
    expect(login.operationId).toBe('auth:jwt.login');
    const content = (login.requestBody as { content: Record<string, { schema: unknown }> }).content;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    const ok = login.responses['200'] as unknown as { content: { 'application/json': { schema: { required: string[] } } } };
    expect(ok.content['application/json'].schema.required).toEqual(['access_token', 'token_type']);
    const bad = JSON.stringify(login.responses['400']);
    expect(bad).toContain('LOGIN_BAD_CREDENTIALS');
    expect(bad).toContain('LOGIN_USER_NOT_VERIFIED');
    const codesOf = (path: string, method = 'post') =>
      JSON.stringify(find(t.document, `${base}${path}`, method).responses['400']);
    expect(codesOf('/auth/verify')).toContain('VERIFY_USER_BAD_TOKEN');
    expect(codesOf('/auth/verify')).toContain('VERIFY_USER_ALREADY_VERIFIED');
    expect(codesOf('/auth/reset-password')).toContain('RESET_PASSWORD_BAD_TOKEN');
    expect(codesOf('/auth/reset-password')).toContain('RESET_PASSWORD_INVALID_PASSWORD');
    expect(codesOf('/users/me', 'patch')).toContain('UPDATE_USER_EMAIL_ALREADY_EXISTS');
    expect(codesOf('/users/{id}', 'patch')).toContain('UPDATE_USER_INVALID_PASSWORD');
    const registerBad = JSON.stringify(find(t.document, `${base}/auth/register`, 'post').responses['400']);
    expect(registerBad).toContain('REGISTER_USER_ALREADY_EXISTS');
    expect(registerBad).toContain('REGISTER_INVALID_PASSWORD');
    const loginDto = JSON.stringify(t.document.components!.schemas!.LoginDto);
    expect(loginDto).toContain('username');
    expect(loginDto).toContain('grant_type');
  });

  it('types every property of the default DTOs for code generators: no bare objects, honest required lists', () => {
    expect(
      auditSchemas(t.document, {
        required: {
          // fastapi's OAuth2PasswordRequestForm: scope, grant_type, client_id and client_secret are optional.
          LoginDto: ['username', 'password'],
          RefreshDto: [],
          UserCreateDto: ['email', 'password'],
          UserUpdateDto: [],
          UserAdminUpdateDto: [],
          UserReadDto: ['id', 'email', 'isActive', 'isSuperuser', 'isVerified'],
          EmailDto: ['email'],
          VerifyDto: ['token'],
          ResetPasswordDto: ['token', 'password'],
          ErrorDto: ['statusCode', 'detail'],
        },
      }),
    ).toEqual([]);
  });
});
