import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSampleEnv } from '../../sample-app/src/config/sample-env.js';
import { createSampleApp } from '../fixtures/sample-app.js';
import { createSampleAppDatabase } from '../fixtures/sample-app-database.js';
import { signIn, startOidcProvider, type TestOidcProvider } from './oidc-provider.fixture.js';

const PUBLIC_URL = 'http://localhost:3000';
const CLIENT = { clientId: 'sample-app', clientSecret: randomBytes(24).toString('hex') };

describe('the sample app with OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET', () => {
  let idp: TestOidcProvider;
  let app: INestApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    idp = await startOidcProvider([
      { ...CLIENT, redirectUris: [`${PUBLIC_URL}/login/callback`, `${PUBLIC_URL}/auth/associate/oidc/callback`] },
    ]);
    const database = await createSampleAppDatabase('sqlite');
    drop = database.drop;
    app = await createSampleApp({
      databaseUrl: database.databaseUrl,
      jwtSecret: randomBytes(32).toString('base64url'),
      logger: false,
      env: {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: CLIENT.clientId,
        OIDC_CLIENT_SECRET: CLIENT.clientSecret,
        PUBLIC_URL,
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
    await drop?.();
  });

  it('logs a new user in through the provider with the cookie backend, and the cookie reaches /users/me', async () => {
    idp.accounts.set('sample-person', { email: 'sample.person@example.com', emailVerified: true });
    const server = app.getHttpServer();
    const started = await request(server).get('/auth/oidc/authorize');
    expect(started.status).toBe(200);
    const binding = [started.headers['set-cookie']].flat()[0]!.split(';')[0]!;
    const back = await signIn(started.body.authorization_url, 'sample-person');
    // The sample's page at the redirect URL hands the query on to the callback route, as this test does.
    expect(`${back.origin}${back.pathname}`).toBe(`${PUBLIC_URL}/login/callback`);
    const answer = await request(server).get(`/auth/oidc/callback?${back.searchParams.toString()}`).set('Cookie', binding);
    expect(answer.status, JSON.stringify(answer.body)).toBe(204);
    const session = [answer.headers['set-cookie']]
      .flat()
      .find((line) => line?.startsWith('__Host-nest-users-auth='))!
      .split(';')[0]!;
    const me = await request(server).get('/users/me').set('Cookie', session);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'sample.person@example.com', isActive: true });
  });

  it('lists the OIDC routes in its Swagger document', async () => {
    const document = (await request(app.getHttpServer()).get('/docs-json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/auth/oidc/authorize', '/auth/oidc/callback', '/auth/associate/oidc/authorize']),
    );
  });

  it('checks the three variables together at startup', () => {
    expect(() => validateSampleEnv({ OIDC_ISSUER: 'https://idp.example.com' })).toThrow(
      /OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together/,
    );
    expect(() => validateSampleEnv({ OIDC_ISSUER: 'not a url', OIDC_CLIENT_ID: 'a', OIDC_CLIENT_SECRET: 'b' })).toThrow(
      /OIDC_ISSUER must be a URL/,
    );
    expect(validateSampleEnv({}).OIDC_ISSUER).toBeUndefined();
  });
});
