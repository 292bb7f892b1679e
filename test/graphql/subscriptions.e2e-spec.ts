import { UsersAuthGuard } from '@nest-users/core';
import { forgeHmac, now } from '@nest-users/testing/jwt';
import { testRedisAvailable } from '@nest-users/testing/redis';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { createClient, type Client } from 'graphql-ws';
import jsonwebtoken from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRealtimeApp, TRUSTED_ORIGIN, type Platform, type RealtimeApp } from './realtime-app.js';
import { TicksResolver } from './ticks.resolver.js';

const redisUp = testRedisAvailable('graphql subscriptions');

/** How a subscription ends: the values it got, and the close code of the connection if it was closed. */
interface Outcome {
  values: unknown[];
  close?: { code: number; reason: string };
  errors?: unknown;
}

/**
 * Apollo with graphql-ws subscriptions. On Express the context function gets `{ req }` for HTTP operations, on
 * Fastify the request itself; graphql-ws operations bring `{ connectionParams, extra }` on both.
 */
function apolloSubscriptions(platform: Platform) {
  return GraphQLModule.forRootAsync<ApolloDriverConfig>({
    driver: ApolloDriver,
    inject: [UsersAuthGuard],
    useFactory: (guard: UsersAuthGuard) => ({
      autoSchemaFile: true,
      context:
        platform === 'express'
          ? ({ req, connectionParams, extra }: Record<string, unknown>) => ({ req, connectionParams, extra })
          : (value: Record<string, unknown>) =>
              'connectionParams' in value ? { connectionParams: value.connectionParams, extra: value.extra } : { req: value },
      subscriptions: { 'graphql-ws': { onConnect: guard.graphqlWsOnConnect({ recheckSeconds: 1 }) } },
    }),
  });
}

/** Mercurius (Fastify only) with its own subscription server, which speaks graphql-ws's protocol as well. */
function mercuriusSubscriptions() {
  return GraphQLModule.forRootAsync<MercuriusDriverConfig>({
    driver: MercuriusDriver,
    inject: [UsersAuthGuard],
    useFactory: (guard: UsersAuthGuard) => ({
      autoSchemaFile: true,
      subscription: { ...guard.mercuriusSubscription({ recheckSeconds: 1 }) },
    }),
  });
}

const drivers: Array<[string, Platform, (platform: Platform) => DynamicModule]> = [
  ['Apollo', 'express', apolloSubscriptions],
  ['Apollo', 'fastify', apolloSubscriptions],
  ['Mercurius', 'fastify', mercuriusSubscriptions],
];

describe.runIf(redisUp).each(drivers)('GraphQL subscriptions over graphql-ws (%s, %s)', (driver, platform, graphql) => {
  let t: RealtimeApp;
  let alice: string;
  const clients: Client[] = [];
  beforeAll(async () => {
    t = await createRealtimeApp({ platform, listen: true, providers: [TicksResolver], imports: [graphql(platform)] });
    alice = await t.userToken('alice@example.com');
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await t?.close();
  });

  /**
   * Subscribes to `query` with `connectionParams` (and upgrade `headers`) and collects values until `count` came,
   * the subscription failed or the connection closed.
   */
  const subscribe = (query: string, connectionParams: Record<string, unknown>, count: number, headers = {}) =>
    new Promise<Outcome>((resolve) => {
      const outcome: Outcome = { values: [] };
      const client = createClient({
        url: `${t.url.replace(/^http/, 'ws')}/graphql`,
        connectionParams,
        retryAttempts: 0,
        lazy: false,
        // The close is what these tests observe (`on.closed`), not an error to print.
        onNonLazyError: () => undefined,
        webSocketImpl: class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { headers });
          }
        },
        on: {
          closed: (event) => {
            const { code, reason } = event as { code: number; reason: string };
            outcome.close ??= { code, reason: String(reason) };
            resolve(outcome);
          },
        },
      });
      clients.push(client);
      client.subscribe(
        { query },
        {
          next: (value) => {
            outcome.values.push(value);
            if (outcome.values.length === count) resolve(outcome);
          },
          error: (errors) => {
            outcome.errors ??= errors;
            resolve(outcome);
          },
          complete: () => resolve(outcome),
        },
      );
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('authenticates the connection from connectionParams and hands the user to the subscription', async () => {
    const outcome = await subscribe('subscription { ticks }', bearer(alice), 2);
    expect(outcome.values).toEqual([{ data: { ticks: 'alice@example.com' } }, { data: { ticks: 'alice@example.com' } }]);
    expect((await subscribe('subscription { ticks }', { token: alice }, 1)).values).toHaveLength(1);
  });

  it('closes a connection without a valid token with 4401 at connect', async () => {
    for (const params of [{}, bearer('garbage')]) {
      const outcome = await subscribe('subscription { ticks }', params, 1);
      expect(outcome.values).toEqual([]);
      expect(outcome.close).toEqual({ code: 4401, reason: 'Unauthorized' });
    }
  });

  it("still applies a subscription's own requirements (FORBIDDEN for a non-superuser)", async () => {
    const outcome = await subscribe('subscription { adminTicks }', bearer(alice), 1);
    const forbidden = [
      expect.objectContaining({ message: 'Forbidden', path: ['adminTicks'], extensions: { code: 'FORBIDDEN' } }),
    ];
    // graphql-ws's server (Apollo) answers with an error result; Mercurius with the protocol's `error` message.
    if (driver === 'Mercurius') expect(outcome).toEqual({ values: [], errors: forbidden });
    else expect(outcome).toEqual({ values: [{ errors: forbidden }] });
    const root = await t.userToken('root@example.com', { isSuperuser: true });
    expect((await subscribe('subscription { adminTicks }', bearer(root), 1)).values).toEqual([
      { data: { adminTicks: 'root@example.com' } },
    ]);
  });

  it('ends the subscription once its token is revoked (logout of a stateful strategy)', async () => {
    const session = await t.userToken('alice@example.com', {}, 'session');
    const running = subscribe('subscription { ticks }', bearer(session), Number.POSITIVE_INFINITY);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logout = await request(t.server as never)
      .post('/auth/session/logout')
      .set('Authorization', `Bearer ${session}`);
    expect(logout.status).toBe(204);
    const outcome = await running;
    expect(outcome.values.length).toBeGreaterThan(0);
    expect(outcome.close).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('ends the subscription once its token expires', async () => {
    const claims = jsonwebtoken.decode(alice) as Record<string, unknown>;
    const shortLived = forgeHmac({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now(), exp: now() + 2 }, t.secrets.jwt);
    const started = Date.now();
    const outcome = await subscribe('subscription { ticks }', bearer(shortLived), Number.POSITIVE_INFINITY);
    expect(outcome.values.length).toBeGreaterThan(0);
    expect(outcome.close).toEqual({ code: 4401, reason: 'Unauthorized' });
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('closes a connection with 1013 (try again later), not 4401, while the token store is down', async () => {
    const session = await t.userToken('outage@example.com', {}, 'session');
    const refused = await t.redisOutage(() => subscribe('subscription { ticks }', bearer(session), 1));
    expect(refused.values).toEqual([]);
    expect(refused.close).toEqual({ code: 1013, reason: 'Service Unavailable' });
    expect((await subscribe('subscription { ticks }', bearer(session), 1)).values).toEqual([
      { data: { ticks: 'outage@example.com' } },
    ]);
  });

  it('closes a live subscription with 1013 when the store goes down at a recheck', async () => {
    const session = await t.userToken('outage@example.com', {}, 'session');
    const running = subscribe('subscription { ticks }', bearer(session), Number.POSITIVE_INFINITY);
    // Connected and ticking before the outage starts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const outcome = await t.redisOutage(() => running);
    expect(outcome.values.length).toBeGreaterThan(0);
    expect(outcome.close).toEqual({ code: 1013, reason: 'Service Unavailable' });
  });

  it('authenticates the upgrade cookie only from a trusted origin', async () => {
    const cookie = await t.cookieLogin('cookie@example.com');
    const trusted = await subscribe('subscription { ticks }', {}, 1, { Cookie: cookie, Origin: TRUSTED_ORIGIN });
    expect(trusted.values).toEqual([{ data: { ticks: 'cookie@example.com' } }]);
    const foreign = await subscribe('subscription { ticks }', {}, 1, { Cookie: cookie, Origin: 'https://evil.example' });
    expect(foreign.close).toEqual({ code: 4403, reason: 'Forbidden' });
  });
});
