import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { createTestApp, type TestApp } from '../fixtures/test-app.js';

/** What apps put around every route: it adds a header and a body field after the handler answered. */
@Injectable()
class StampingInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<unknown>();
    return next.handle().pipe(
      map((body: unknown) => {
        this.adapterHost.httpAdapter.setHeader(response, 'x-intercepted', 'yes');
        return body && typeof body === 'object' ? { ...body, intercepted: true } : body;
      }),
    );
  }
}

describe.each(['express', 'fastify'] as const)("Nest's pipeline sees every answer (%s)", (platform) => {
  let t: TestApp;
  const http = () => request(t.server as never);

  beforeAll(async () => {
    t = await createTestApp({ platform, providers: [{ provide: APP_INTERCEPTOR, useClass: StampingInterceptor }] });
    await register(t.server, 'pipe@example.com');
  });
  afterAll(async () => t?.close());

  it('an app interceptor shapes the login answer, and keeps its status and headers', async () => {
    const response = await http().post('/auth/jwt/login').type('form').send({ username: 'pipe@example.com', password: PASSWORD });
    expect(response.status).toBe(200);
    expect(response.headers['x-intercepted']).toBe('yes');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', intercepted: true });
  });

  it('an app interceptor sees logout and logout-all, which keep their 204', async () => {
    for (const path of ['/auth/jwt/logout', '/auth/jwt/logout-all']) {
      const token = await login(t.server, 'pipe@example.com');
      const response = await http().post(path).set('Authorization', `Bearer ${token}`);
      expect(response.status, path).toBe(204);
      expect(response.headers['x-intercepted'], path).toBe('yes');
      expect(response.text, path).toBe('');
    }
  });

  it('answers 202 with no body at all, the same on both platforms', async () => {
    for (const path of ['/auth/forgot-password', '/auth/request-verify-token']) {
      for (const email of ['pipe@example.com', 'nobody@example.com']) {
        const response = await http().post(path).send({ email });
        expect(response.status, path).toBe(202);
        expect(response.text, path).toBe('');
        expect(response.headers['content-type'], path).toBeUndefined();
        expect(response.headers['x-intercepted'], path).toBe('yes');
      }
    }
    await t.background.drain();
  });
});
