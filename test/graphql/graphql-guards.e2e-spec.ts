import { forgeHmac, now } from '@nest-users/testing/jwt';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import jsonwebtoken from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisAvailable } from '@nest-users/testing/redis';
import { AccountResolver, AdminResolver } from './account.resolver.js';
import { createRealtimeApp, TRUSTED_ORIGIN, type Platform, type RealtimeApp } from './realtime-app.js';

/** GraphQL (Apollo, code-first) on either platform, guards on field resolvers too. */
export function apolloModule(platform: Platform) {
  return GraphQLModule.forRoot<ApolloDriverConfig>({
    driver: ApolloDriver,
    autoSchemaFile: true,
    fieldResolverEnhancers: ['guards'],
    context: platform === 'express' ? ({ req }: { req: unknown }) => ({ req }) : (request: unknown) => ({ req: request }),
  });
}

/** Mercurius (Fastify only): its default context carries `reply`, whose `request` the guard reads. */
export function mercuriusModule() {
  return GraphQLModule.forRoot<MercuriusDriverConfig>({
    driver: MercuriusDriver,
    autoSchemaFile: true,
    fieldResolverEnhancers: ['guards'],
  });
}

type Driver = 'Apollo' | 'Mercurius';
const drivers: Array<[Driver, Platform]> = [
  ['Apollo', 'express'],
  ['Apollo', 'fastify'],
  ['Mercurius', 'fastify'],
];

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

const redisUp = testRedisAvailable('graphql guards');

describe.runIf(redisUp).each(drivers)('@Authenticated() on GraphQL resolvers (%s, %s)', (driver, platform) => {
  let t: RealtimeApp;
  let alice: string;
  beforeAll(async () => {
    t = await createRealtimeApp({
      platform,
      imports: [driver === 'Apollo' ? apolloModule(platform) : mercuriusModule()],
      providers: [AccountResolver, AdminResolver],
    });
    alice = await t.userToken('alice@example.com');
  });
  afterAll(async () => t?.close());

  /** One GraphQL operation over HTTP; `headers` e.g. an Authorization header. */
  const gql = async (query: string, headers: Record<string, string> = {}) => {
    const response = await request(t.server as never)
      .post('/graphql')
      .set(headers)
      .send({ query });
    return { response, body: response.body as GraphQLBody };
  };
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  /** The codes of the errors of an answer, by path. */
  const codes = (body: GraphQLBody) =>
    Object.fromEntries((body.errors ?? []).map((error) => [error.path?.join('.') ?? '', error.extensions?.code]));

  it('answers the user to a valid bearer token', async () => {
    const { response, body } = await gql('{ me { email isVerified } }', bearer(alice));
    expect(response.status).toBe(200);
    expect(body).toEqual({ data: { me: { email: 'alice@example.com', isVerified: true } } });
  });

  it('refuses a missing or rejected token with UNAUTHENTICATED in a 200 GraphQL answer, no WWW-Authenticate', async () => {
    for (const headers of [{}, bearer('garbage')]) {
      const { response, body } = await gql('{ me { email } }', headers);
      expect(response.status).toBe(200);
      expect(response.headers['www-authenticate']).toBeUndefined();
      expect(body.data).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0]).toMatchObject({ message: 'Unauthorized', path: ['me'], extensions: { code: 'UNAUTHENTICATED' } });
      expect(JSON.stringify(body)).not.toMatch(/stacktrace|garbage/);
    }
  });

  it('refuses an inactive user as unauthenticated, unless the query allows inactive users', async () => {
    const token = await t.userToken('inactive@example.com', { isActive: false });
    expect(codes((await gql('{ me { email } }', bearer(token))).body)).toEqual({ me: 'UNAUTHENTICATED' });
    expect((await gql('{ anyAccountEmail }', bearer(token))).body.data).toEqual({ anyAccountEmail: 'inactive@example.com' });
  });

  it('refuses an unverified user where verification is required (FORBIDDEN), and answers elsewhere', async () => {
    const token = await t.userToken('unverified@example.com', { isVerified: false });
    const { body } = await gql('{ me { email } verifiedEmail }', bearer(token));
    expect(codes(body)).toEqual({ verifiedEmail: 'FORBIDDEN' });
    expect(body.errors![0]!.message).toBe('Forbidden');
    // verifiedEmail is non-null: its error nulls the whole answer, as GraphQL wants.
    expect(body.data).toBeNull();
    expect((await gql('{ me { email } }', bearer(token))).body.data).toEqual({ me: { email: 'unverified@example.com' } });
    expect((await gql('{ verifiedEmail }', bearer(alice))).body.data).toEqual({ verifiedEmail: 'alice@example.com' });
  });

  it('refuses a non-superuser FORBIDDEN on a superuser query, a resolver class and a field resolver', async () => {
    const root = await t.userToken('root@example.com', { isSuperuser: true });
    expect(codes((await gql('{ adminEmail }', bearer(alice))).body)).toEqual({ adminEmail: 'FORBIDDEN' });
    expect(codes((await gql('{ adminReport }', bearer(alice))).body)).toEqual({ adminReport: 'FORBIDDEN' });
    const field = await gql('{ me { email auditNote } }', bearer(alice));
    expect(codes(field.body)).toEqual({ 'me.auditNote': 'FORBIDDEN' });
    expect(field.body.data).toEqual({ me: { email: 'alice@example.com', auditNote: null } });

    expect((await gql('{ adminEmail adminReport }', bearer(root))).body).toEqual({
      data: { adminEmail: 'root@example.com', adminReport: ['report', 'root@example.com'] },
    });
    expect((await gql('{ me { auditNote } }', bearer(root))).body.data).toEqual({
      me: { auditNote: 'read by root@example.com' },
    });
    // @Public() inside a protected resolver class, and a query without any decorator (no global guard here).
    expect((await gql('{ status open hello }')).body.data).toEqual({ status: 'up', open: 'open', hello: 'hello' });
  });

  it('gives null on an optional query without a valid user, per field: another field of the same operation still gets its user', async () => {
    expect((await gql('{ maybeMe { email } }')).body).toEqual({ data: { maybeMe: null } });
    expect((await gql('{ maybeMe { email } }', bearer('garbage'))).body).toEqual({ data: { maybeMe: null } });
    const unverified = await t.userToken('opt-unverified@example.com', { isVerified: false });
    const both = await gql('{ maybeVerifiedMe { email } me { email } maybeMe { email } }', bearer(unverified));
    expect(both.body).toEqual({
      data: {
        maybeVerifiedMe: null,
        me: { email: 'opt-unverified@example.com' },
        maybeMe: { email: 'opt-unverified@example.com' },
      },
    });
  });

  it('accepts only the named backends (a jwt token on a mobile-only query is unauthenticated)', async () => {
    expect(codes((await gql('{ mobileEmail }', bearer(alice))).body)).toEqual({ mobileEmail: 'UNAUTHENTICATED' });
    const mobile = await t.userToken('alice@example.com', {}, 'mobile');
    expect((await gql('{ mobileEmail }', bearer(mobile))).body.data).toEqual({ mobileEmail: 'alice@example.com' });
  });

  it('refuses an expired token', async () => {
    const claims = jsonwebtoken.decode(alice) as Record<string, unknown>;
    const expired = forgeHmac({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now() - 7200, exp: now() - 1 }, t.secrets.jwt);
    const fresh = forgeHmac({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now(), exp: now() + 60 }, t.secrets.jwt);
    expect((await gql('{ me { email } }', bearer(fresh))).body.data).toEqual({ me: { email: 'alice@example.com' } });
    expect(codes((await gql('{ me { email } }', bearer(expired))).body)).toEqual({ me: 'UNAUTHENTICATED' });
  });

  it('refuses a revoked token of a stateful strategy (logged out)', async () => {
    const session = await t.userToken('alice@example.com', {}, 'session');
    expect((await gql('{ sessionEmail }', bearer(session))).body.data).toEqual({ sessionEmail: 'alice@example.com' });
    const logout = await request(t.server as never)
      .post('/auth/session/logout')
      .set(bearer(session));
    expect(logout.status).toBe(204);
    expect(codes((await gql('{ sessionEmail }', bearer(session))).body)).toEqual({ sessionEmail: 'UNAUTHENTICATED' });
  });

  it('reads the cookie transport from the GraphQL request, with its CSRF check on POSTed operations', async () => {
    const cookie = await t.cookieLogin('cookie@example.com');
    const trusted = await gql('mutation { touch }', { Cookie: cookie, Origin: TRUSTED_ORIGIN });
    expect(trusted.body).toEqual({ data: { touch: 'touched by cookie@example.com' } });
    const foreign = await gql('mutation { touch }', { Cookie: cookie, Origin: 'https://evil.example' });
    expect(codes(foreign.body)).toEqual({ touch: 'FORBIDDEN' });
    expect(codes((await gql('mutation { touch }')).body)).toEqual({ touch: 'UNAUTHENTICATED' });
  });

  it('answers SERVICE_UNAVAILABLE (with retryAfter), never UNAUTHENTICATED, while the token store is down, and recovers', async () => {
    const session = await t.userToken('outage@example.com', {}, 'session');
    const { response, body } = await t.redisOutage(() => gql('{ sessionEmail }', bearer(session)));
    expect(response.status).toBe(200);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({
      message: 'Service Unavailable',
      extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 },
    });
    expect((await gql('{ sessionEmail }', bearer(session))).body.data).toEqual({ sessionEmail: 'outage@example.com' });
  });
});

describe.runIf(redisUp)('GraphQL under the global guard (express)', () => {
  let t: RealtimeApp;
  beforeAll(async () => {
    t = await createRealtimeApp({
      imports: [apolloModule('express')],
      providers: [AccountResolver, AdminResolver],
      globalGuard: true,
    });
  });
  afterAll(async () => t?.close());

  it('authenticates every resolver but the @Public() ones', async () => {
    const anonymous = await request(t.server as never)
      .post('/graphql')
      .send({ query: '{ hello }' });
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const open = await request(t.server as never)
      .post('/graphql')
      .send({ query: '{ open status }' });
    expect(open.body).toEqual({ data: { open: 'open', status: 'up' } });
    const token = await t.userToken('global@example.com');
    const known = await request(t.server as never)
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .send({ query: '{ hello me { email } }' });
    expect(known.body).toEqual({ data: { hello: 'hello', me: { email: 'global@example.com' } } });
  });

  it('lets an `optional` resolver (with `override`) answer anonymous callers with null', async () => {
    const anonymous = await request(t.server as never)
      .post('/graphql')
      .send({ query: '{ maybeMe { email } }' });
    expect(anonymous.body).toEqual({ data: { maybeMe: null } });
  });
});
