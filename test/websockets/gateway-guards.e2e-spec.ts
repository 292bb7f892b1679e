import { testRedisAvailable } from '@nest-users/testing/redis';
import { WsAdapter } from '@nestjs/platform-ws';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import request from 'supertest';
import { createRealtimeApp, TRUSTED_ORIGIN, type Platform, type RealtimeApp } from '../graphql/realtime-app.js';
import { AccountGateway, PlainGateway } from './account.gateway.js';

const platforms: Platform[] = ['express', 'fastify'];
const redisUp = testRedisAvailable('gateway guards');
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** What a socket.io connection attempt ends in: a connected socket, or the `connect_error`. */
type Attempt = { socket: Socket; error?: undefined } | { socket?: undefined; error: Error & { data?: { code?: string } } };

describe.runIf(redisUp).each(platforms)('gateways on socket.io (%s)', (platform) => {
  let t: RealtimeApp;
  let alice: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await createRealtimeApp({ platform, providers: [AccountGateway], listen: true });
    alice = await t.userToken('alice@example.com');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.close();
  });

  const connect = (options: Parameters<typeof io>[1] = {}) =>
    new Promise<Attempt>((resolve) => {
      const socket = io(t.url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
      sockets.push(socket);
      socket.on('connect', () => resolve({ socket }));
      socket.on('connect_error', (error) => {
        socket.close();
        resolve({ error });
      });
    });
  /** Sends `event` and resolves with the gateway's answer, or the `exception` it sent instead. */
  const ask = (socket: Socket, event: string) =>
    new Promise<{ answer?: unknown; exception?: unknown }>((resolve) => {
      socket.once(event, (answer: unknown) => resolve({ answer }));
      socket.once('exception', (exception: unknown) => resolve({ exception }));
      socket.emit(event, {});
    });
  const refusal = async (options: Parameters<typeof io>[1]) => {
    const attempt = await connect(options);
    expect(attempt.socket, 'the connection was accepted').toBeUndefined();
    return { message: attempt.error!.message, code: attempt.error!.data?.code };
  };

  it('authenticates the handshake from the auth payload or the Authorization header, once, for every message', async () => {
    for (const options of [{ auth: { token: alice } }, { extraHeaders: bearer(alice) }]) {
      const { socket } = await connect(options);
      expect(socket?.connected).toBe(true);
      expect(await ask(socket!, 'whoami')).toEqual({ answer: 'alice@example.com' });
    }
    expect(t.app.get(AccountGateway).connected).toContain('alice@example.com');
  });

  it('refuses a connection without a valid token with connect_error UNAUTHENTICATED, and never reads the query string', async () => {
    expect(await refusal({})).toEqual({ message: 'Unauthorized', code: 'UNAUTHENTICATED' });
    expect(await refusal({ auth: { token: 'garbage' } })).toEqual({ message: 'Unauthorized', code: 'UNAUTHENTICATED' });
    expect(await refusal({ query: { token: alice, access_token: alice } })).toMatchObject({ code: 'UNAUTHENTICATED' });
    const inactive = await t.userToken('inactive@example.com', { isActive: false });
    expect(await refusal({ auth: { token: inactive } })).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it("still applies a handler's @Authenticated({ superuser: true }) to each message", async () => {
    const { socket } = await connect({ auth: { token: alice } });
    expect(await ask(socket!, 'admin')).toEqual({
      exception: { status: 'error', code: 'FORBIDDEN', message: 'Forbidden' },
    });
    const root = await t.userToken('root@example.com', { isSuperuser: true });
    const rootSocket = (await connect({ auth: { token: root } })).socket!;
    expect(await ask(rootSocket, 'admin')).toEqual({ answer: 'root@example.com' });
  });

  it('stops answering a socket whose token was revoked since its handshake (stateful strategy)', async () => {
    const session = await t.userToken('alice@example.com', {}, 'session');
    const { socket } = await connect({ auth: { token: session } });
    expect(await ask(socket!, 'whoami')).toEqual({ answer: 'alice@example.com' });
    const logout = await request(t.server as never)
      .post('/auth/session/logout')
      .set(bearer(session));
    expect(logout.status).toBe(204);
    expect(await ask(socket!, 'whoami')).toEqual({
      exception: { status: 'error', code: 'UNAUTHENTICATED', message: 'Unauthorized' },
    });
  });

  it('authenticates a cookie only from a trusted origin (cross-site WebSocket hijacking)', async () => {
    const cookie = await t.cookieLogin('cookie@example.com');
    const trusted = await connect({ extraHeaders: { Cookie: cookie, Origin: TRUSTED_ORIGIN } });
    expect(await ask(trusted.socket!, 'whoami')).toEqual({ answer: 'cookie@example.com' });
    expect(await refusal({ extraHeaders: { Cookie: cookie, Origin: 'https://evil.example' } })).toEqual({
      message: 'Forbidden',
      code: 'FORBIDDEN',
    });
    expect(await refusal({ extraHeaders: { Cookie: cookie } })).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses with SERVICE_UNAVAILABLE, not UNAUTHENTICATED, while the token store is down', async () => {
    const session = await t.userToken('outage@example.com', {}, 'session');
    expect(await t.redisOutage(() => refusal({ auth: { token: session } }))).toEqual({
      message: 'Service Unavailable',
      code: 'SERVICE_UNAVAILABLE',
    });
    expect((await connect({ auth: { token: session } })).socket?.connected).toBe(true);
  });
});

/** How a `ws` connection ends up: the messages it got, and its close code and reason if it was closed. */
interface WsOutcome {
  messages: unknown[];
  close?: { code: number; reason: string };
}

describe.runIf(redisUp).each(platforms)('gateways on ws (%s)', (platform) => {
  let t: RealtimeApp;
  let alice: string;
  beforeAll(async () => {
    t = await createRealtimeApp({
      platform,
      providers: [AccountGateway],
      listen: true,
      beforeInit: (app) => app.useWebSocketAdapter(new WsAdapter(app)),
    });
    alice = await t.userToken('alice@example.com');
  });
  afterAll(async () => t?.close());

  /**
   * Opens a socket with `headers` (and `path`), sends `events` once it is open, and waits for an answer to each or
   * for the close, whichever comes first.
   */
  const session = (headers: Record<string, string>, events: string[] = ['whoami'], path = '/') =>
    new Promise<WsOutcome>((resolve) => {
      const outcome: WsOutcome = { messages: [] };
      const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}${path}`, { headers });
      socket.on('open', () => {
        for (const event of events) socket.send(JSON.stringify({ event, data: {} }));
      });
      socket.on('message', (raw) => {
        outcome.messages.push(JSON.parse(String(raw)));
        if (outcome.messages.length === events.length) {
          socket.close();
          resolve(outcome);
        }
      });
      socket.on('close', (code, reason) => {
        outcome.close ??= { code, reason: String(reason) };
        resolve(outcome);
      });
    });

  it('authenticates the handshake from the Authorization header', async () => {
    const outcome = await session(bearer(alice));
    expect(outcome.messages).toEqual([{ event: 'whoami', data: 'alice@example.com' }]);
  });

  it('closes a connection without a valid token with 4401, and never reads the query string', async () => {
    for (const [headers, path] of [
      [{}, '/'],
      [bearer('garbage'), '/'],
      [{}, `/?token=${alice}&access_token=${alice}`],
    ] as const) {
      const outcome = await session(headers, [], path);
      expect(outcome.close).toEqual({ code: 4401, reason: 'Unauthorized' });
    }
  });

  it('closes a cookie connection from another site with 4403, and accepts it from a trusted origin', async () => {
    const cookie = await t.cookieLogin('cookie@example.com');
    expect((await session({ Cookie: cookie, Origin: 'https://evil.example' }, [])).close).toEqual({
      code: 4403,
      reason: 'Forbidden',
    });
    const trusted = await session({ Cookie: cookie, Origin: TRUSTED_ORIGIN });
    expect(trusted.messages).toEqual([{ event: 'whoami', data: 'cookie@example.com' }]);
  });

  it('closes with 1013 (try again later), not 4401, while the token store is down', async () => {
    const token = await t.userToken('outage@example.com', {}, 'session');
    const refused = await t.redisOutage(() => session(bearer(token), []));
    expect(refused.close).toEqual({ code: 1013, reason: 'Service Unavailable' });
    expect((await session(bearer(token))).messages).toEqual([{ event: 'whoami', data: 'outage@example.com' }]);
  });

  it("refuses a message whose handler requires a superuser, and answers a superuser's", async () => {
    const root = await t.userToken('root@example.com', { isSuperuser: true });
    expect((await session(bearer(root), ['admin'])).messages).toEqual([{ event: 'admin', data: 'root@example.com' }]);
    const refused = await session(bearer(alice), ['admin', 'whoami']);
    // Nest's ws adapter sends the exception as an `exception` event too; the two answers may come in either order.
    expect(refused.messages).toHaveLength(2);
    expect(refused.messages).toEqual(
      expect.arrayContaining([
        { event: 'exception', data: { status: 'error', code: 'FORBIDDEN', message: 'Forbidden' } },
        { event: 'whoami', data: 'alice@example.com' },
      ]),
    );
  });
});

describe.runIf(redisUp)('gateways under the global guard (socket.io, express)', () => {
  let t: RealtimeApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await createRealtimeApp({ providers: [PlainGateway], listen: true, globalGuard: true });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.close();
  });

  const ask = (auth: Record<string, string>, event: string) =>
    new Promise<{ answer?: unknown; exception?: unknown }>((resolve) => {
      const socket = io(`${t.url}/open`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(socket);
      socket.on('connect', () => socket.emit(event, {}));
      socket.onAny((name: string, payload: unknown) =>
        resolve(name === 'exception' ? { exception: payload } : { answer: payload }),
      );
    });

  it('authenticates every message handler but the @Public() ones (fails closed)', async () => {
    expect(await ask({}, 'whoami')).toEqual({
      exception: { status: 'error', code: 'UNAUTHENTICATED', message: 'Unauthorized' },
    });
    expect(await ask({}, 'ping')).toEqual({ answer: 'pong' });
    const token = await t.userToken('global@example.com');
    expect(await ask({ token }, 'whoami')).toEqual({ answer: 'global@example.com' });
  });
});
