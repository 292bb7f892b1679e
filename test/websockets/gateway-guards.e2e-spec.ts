import { setTimeout as sleep } from 'node:timers/promises';
import { forgeHmac, now } from '@nest-users/testing/jwt';
import { testRedisAvailable } from '@nest-users/testing/redis';
import { WsAdapter } from '@nestjs/platform-ws';
import jsonwebtoken from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import request from 'supertest';
import { createRealtimeApp, TRUSTED_ORIGIN, type Platform, type RealtimeApp } from '../graphql/realtime-app.js';
import { AccountGateway, PlainGateway } from './account.gateway.js';
import { requirementGateways } from './requirements.gateway.js';

const platforms: Platform[] = ['express', 'fastify'];
const redisUp = testRedisAvailable('gateway guards');
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const UNAUTHENTICATED = { status: 'error', code: 'UNAUTHENTICATED', message: 'Unauthorized' };
const FORBIDDEN = { status: 'error', code: 'FORBIDDEN', message: 'Forbidden' };

/** `token`'s claims (a `jwt` backend token) with another `iat` and `exp`, signed with the backend's secret. */
const resigned = (t: RealtimeApp, token: string, iat: number, exp: number) =>
  forgeHmac({ alg: 'HS256', typ: 'JWT' }, { ...(jsonwebtoken.decode(token) as object), iat, exp }, t.secrets.jwt);

/** Waits until the clock is past `exp` (in seconds), as a token's expiry is judged. */
const outlive = (exp: number) => sleep(Math.max(0, exp * 1000 - Date.now() + 100));

/** What a socket.io connection attempt ends in: a connected socket, or the `connect_error`. */
type Attempt = { socket: Socket; error?: undefined } | { socket?: undefined; error: Error & { data?: { code?: string } } };

describe.runIf(redisUp).each(platforms)('gateways on socket.io (%s)', (platform) => {
  let t: RealtimeApp;
  let alice: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await createRealtimeApp({
      platform,
      providers: [AccountGateway, ...requirementGateways('socket.io')],
      listen: true,
    });
    alice = await t.userToken('alice@example.com');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.close();
  });

  /** Connects to `namespace` (the account gateway's by default). */
  const connect = (options: Parameters<typeof io>[1] = {}, namespace = '/') =>
    new Promise<Attempt>((resolve) => {
      const socket = io(`${t.url}${namespace}`, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
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
  const refusal = async (options: Parameters<typeof io>[1], namespace = '/') => {
    const attempt = await connect(options, namespace);
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
  });

  it('refuses an inactive user at the handshake (UNAUTHENTICATED), and stops answering a user deactivated since', async () => {
    const inactive = await t.userToken('inactive@example.com', { isActive: false });
    expect(await refusal({ auth: { token: inactive } })).toEqual({ message: 'Unauthorized', code: 'UNAUTHENTICATED' });
    const token = await t.userToken('deactivated@example.com');
    const { socket } = await connect({ auth: { token } });
    expect(await ask(socket!, 'whoami')).toEqual({ answer: 'deactivated@example.com' });
    await t.users.update({ email: 'deactivated@example.com' }, { isActive: false });
    expect(await ask(socket!, 'whoami')).toEqual({ exception: UNAUTHENTICATED });
  });

  it('refuses an unverified user where verification is required: FORBIDDEN at the handshake, or per message', async () => {
    const unverified = await t.userToken('unverified@example.com', { isVerified: false });
    expect(await refusal({ auth: { token: unverified } }, '/verified')).toEqual({ message: 'Forbidden', code: 'FORBIDDEN' });
    expect(await ask((await connect({ auth: { token: alice } }, '/verified')).socket!, 'whoami')).toEqual({
      answer: 'alice@example.com',
    });
    // The account gateway does not require verification: the same token connects there.
    expect(await ask((await connect({ auth: { token: unverified } })).socket!, 'whoami')).toEqual({
      answer: 'unverified@example.com',
    });
    const lobby = (await connect({ auth: { token: unverified } }, '/lobby')).socket!;
    expect(await ask(lobby, 'verified')).toEqual({ exception: FORBIDDEN });
    expect(await ask(lobby, 'maybe')).toEqual({ answer: 'unverified@example.com' });
    const verified = (await connect({ auth: { token: alice } }, '/lobby')).socket!;
    expect(await ask(verified, 'verified')).toEqual({ answer: 'alice@example.com' });
  });

  it("gives an optional handler null for an anonymous socket and its user to a logged-in one's", async () => {
    const anonymous = (await connect({}, '/lobby')).socket!;
    expect(anonymous.connected).toBe(true);
    expect(await ask(anonymous, 'maybe')).toEqual({ answer: null });
    // The gateway's other handlers still require a user.
    expect(await ask(anonymous, 'verified')).toEqual({ exception: UNAUTHENTICATED });
    const rejected = (await connect({ auth: { token: 'garbage' } }, '/lobby')).socket!;
    expect(await ask(rejected, 'maybe')).toEqual({ answer: null });
    const known = (await connect({ auth: { token: alice } }, '/lobby')).socket!;
    expect(await ask(known, 'maybe')).toEqual({ answer: 'alice@example.com' });
  });

  it('accepts only the named backends: a jwt token is refused by a mobile-only gateway and handler', async () => {
    expect(await refusal({ auth: { token: alice } }, '/mobile')).toEqual({ message: 'Unauthorized', code: 'UNAUTHENTICATED' });
    const mobile = await t.userToken('alice@example.com', {}, 'mobile');
    expect(await ask((await connect({ auth: { token: mobile } }, '/mobile')).socket!, 'whoami')).toEqual({
      answer: 'alice@example.com',
    });
    expect(await ask((await connect({ auth: { token: alice } }, '/lobby')).socket!, 'mobile')).toEqual({
      exception: UNAUTHENTICATED,
    });
    expect(await ask((await connect({ auth: { token: mobile } }, '/lobby')).socket!, 'mobile')).toEqual({
      answer: 'alice@example.com',
    });
  });

  it('refuses an expired token at the handshake, and stops answering a socket whose token expired since', async () => {
    expect(await refusal({ auth: { token: resigned(t, alice, now() - 7200, now() - 1) } })).toEqual({
      message: 'Unauthorized',
      code: 'UNAUTHENTICATED',
    });
    const exp = now() + 3;
    const { socket } = await connect({ auth: { token: resigned(t, alice, now(), exp) } });
    expect(await ask(socket!, 'whoami')).toEqual({ answer: 'alice@example.com' });
    await outlive(exp);
    expect(await ask(socket!, 'whoami')).toEqual({ exception: UNAUTHENTICATED });
  });

  it("still applies a handler's @Authenticated({ superuser: true }) to each message", async () => {
    const { socket } = await connect({ auth: { token: alice } });
    expect(await ask(socket!, 'admin')).toEqual({ exception: FORBIDDEN });
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
    expect(await ask(socket!, 'whoami')).toEqual({ exception: UNAUTHENTICATED });
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
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    t = await createRealtimeApp({
      platform,
      providers: [AccountGateway, ...requirementGateways('ws')],
      listen: true,
      beforeInit: (app) => app.useWebSocketAdapter(new WsAdapter(app)),
    });
    alice = await t.userToken('alice@example.com');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await t?.close();
  });

  /**
   * Opens a socket with `headers` (and `path`), sends `events` once it is open, and waits for an answer to each or
   * for the close, whichever comes first; after 5 s, with what came so far (a connection that should have been
   * closed but was not fails its assertion rather than the test's timeout).
   */
  const session = (headers: Record<string, string>, events: string[] = ['whoami'], path = '/') =>
    new Promise<WsOutcome>((resolve) => {
      const outcome: WsOutcome = { messages: [] };
      const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}${path}`, { headers });
      sockets.push(socket);
      setTimeout(() => resolve(outcome), 5000).unref();
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

  /** A socket on `path` that stays open, once it is. */
  const open = (headers: Record<string, string>, path = '/') =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}${path}`, { headers });
      sockets.push(socket);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  /** Sends `event` and resolves with the next message, or with the close if it comes first. */
  const ask = (socket: WebSocket, event: string) =>
    new Promise<unknown>((resolve) => {
      const done = (outcome: unknown) => {
        socket.off('message', onMessage).off('close', onClose);
        resolve(outcome);
      };
      const onMessage = (raw: WebSocket.RawData) => done(JSON.parse(String(raw)));
      const onClose = (code: number, reason: Buffer) => done({ close: { code, reason: String(reason) } });
      socket.on('message', onMessage).on('close', onClose);
      socket.send(JSON.stringify({ event, data: {} }));
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

  it('closes an inactive user with 4401, and stops answering a user deactivated since', async () => {
    const inactive = await t.userToken('inactive@example.com', { isActive: false });
    expect((await session(bearer(inactive), [])).close).toEqual({ code: 4401, reason: 'Unauthorized' });
    const socket = await open(bearer(await t.userToken('deactivated@example.com')));
    expect(await ask(socket, 'whoami')).toEqual({ event: 'whoami', data: 'deactivated@example.com' });
    await t.users.update({ email: 'deactivated@example.com' }, { isActive: false });
    expect(await ask(socket, 'whoami')).toEqual({ event: 'exception', data: UNAUTHENTICATED });
  });

  it('refuses an unverified user where verification is required: 4403 at the handshake, FORBIDDEN per message', async () => {
    const unverified = await t.userToken('unverified@example.com', { isVerified: false });
    expect((await session(bearer(unverified), [], '/verified')).close).toEqual({ code: 4403, reason: 'Forbidden' });
    expect((await session(bearer(alice), ['whoami'], '/verified')).messages).toEqual([
      { event: 'whoami', data: 'alice@example.com' },
    ]);
    // The account gateway does not require verification: the same token connects there.
    expect((await session(bearer(unverified))).messages).toEqual([{ event: 'whoami', data: 'unverified@example.com' }]);
    const lobby = await open(bearer(unverified), '/lobby');
    expect(await ask(lobby, 'verified')).toEqual({ event: 'exception', data: FORBIDDEN });
    expect(await ask(lobby, 'maybe')).toEqual({ event: 'maybe', data: 'unverified@example.com' });
    expect(await ask(await open(bearer(alice), '/lobby'), 'verified')).toEqual({ event: 'verified', data: 'alice@example.com' });
  });

  it("gives an optional handler null for an anonymous socket and its user to a logged-in one's", async () => {
    const anonymous = await open({}, '/lobby');
    expect(await ask(anonymous, 'maybe')).toEqual({ event: 'maybe', data: null });
    // The gateway's other handlers still require a user.
    expect(await ask(anonymous, 'verified')).toEqual({ event: 'exception', data: UNAUTHENTICATED });
    expect(await ask(await open(bearer('garbage'), '/lobby'), 'maybe')).toEqual({ event: 'maybe', data: null });
    expect(await ask(await open(bearer(alice), '/lobby'), 'maybe')).toEqual({ event: 'maybe', data: 'alice@example.com' });
  });

  it('accepts only the named backends: a jwt token is closed by a mobile-only gateway, refused by such a handler', async () => {
    expect((await session(bearer(alice), [], '/mobile')).close).toEqual({ code: 4401, reason: 'Unauthorized' });
    const mobile = await t.userToken('alice@example.com', {}, 'mobile');
    expect((await session(bearer(mobile), ['whoami'], '/mobile')).messages).toEqual([
      { event: 'whoami', data: 'alice@example.com' },
    ]);
    expect(await ask(await open(bearer(alice), '/lobby'), 'mobile')).toEqual({ event: 'exception', data: UNAUTHENTICATED });
    expect(await ask(await open(bearer(mobile), '/lobby'), 'mobile')).toEqual({ event: 'mobile', data: 'alice@example.com' });
  });

  it('closes an expired token with 4401, and stops answering a socket whose token expired since', async () => {
    const expired = resigned(t, alice, now() - 7200, now() - 1);
    expect((await session(bearer(expired), [])).close).toEqual({ code: 4401, reason: 'Unauthorized' });
    const exp = now() + 3;
    const socket = await open(bearer(resigned(t, alice, now(), exp)));
    expect(await ask(socket, 'whoami')).toEqual({ event: 'whoami', data: 'alice@example.com' });
    await outlive(exp);
    expect(await ask(socket, 'whoami')).toEqual({ event: 'exception', data: UNAUTHENTICATED });
  });

  it('stops answering a socket whose token was revoked since its handshake (stateful strategy)', async () => {
    const token = await t.userToken('alice@example.com', {}, 'session');
    const socket = await open(bearer(token));
    expect(await ask(socket, 'whoami')).toEqual({ event: 'whoami', data: 'alice@example.com' });
    const logout = await request(t.server as never)
      .post('/auth/session/logout')
      .set(bearer(token));
    expect(logout.status).toBe(204);
    expect(await ask(socket, 'whoami')).toEqual({ event: 'exception', data: UNAUTHENTICATED });
  });

  it("refuses a message whose handler requires a superuser, and answers a superuser's", async () => {
    const root = await t.userToken('root@example.com', { isSuperuser: true });
    expect((await session(bearer(root), ['admin'])).messages).toEqual([{ event: 'admin', data: 'root@example.com' }]);
    const refused = await session(bearer(alice), ['admin', 'whoami']);
    // Nest's ws adapter sends the exception as an `exception` event too; the two answers may come in either order.
    expect(refused.messages).toHaveLength(2);
    expect(refused.messages).toEqual(
      expect.arrayContaining([
        { event: 'exception', data: FORBIDDEN },
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
    expect(await ask({}, 'whoami')).toEqual({ exception: UNAUTHENTICATED });
    expect(await ask({}, 'ping')).toEqual({ answer: 'pong' });
    const token = await t.userToken('global@example.com');
    expect(await ask({ token }, 'whoami')).toEqual({ answer: 'global@example.com' });
  });
});
