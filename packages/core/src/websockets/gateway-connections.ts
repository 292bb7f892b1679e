import { Logger } from '@nestjs/common';
import { AUTH_FAILURE_MESSAGES } from '../guards/contexts/guard-context.js';
import { handshakeOf, rememberUpgrade, WS_ERROR_CODES } from '../guards/contexts/ws.context.js';
import type { AuthOutcome } from '../guards/users-auth.guard.js';
import type { RouteRequirements } from '../guards/auth-requirements.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { TokenCarrier } from '../transport/transport.interface.js';

/** What authenticates a handshake: `UsersAuthGuard.check`, so the backends and user rules are the guard's. */
export type HandshakeCheck = (request: TokenCarrier | undefined, requirements: RouteRequirements) => Promise<AuthOutcome>;

/** The `connect_error` a refused socket.io client receives: `message` and `data.code`. */
export interface RefusedConnectionError extends Error {
  data: { code: string };
}

interface SocketIoServer {
  use(middleware: (socket: object, next: (error?: Error) => void) => void): unknown;
}

interface WsServer {
  on(event: 'connection', listener: (client: WsClient, request: TokenCarrier) => void): unknown;
}

interface WsClient {
  close(code: number, reason: string): void;
}

/** A `@Public()` gateway still learns who connects, when a client sends a valid token. */
const ANONYMOUS_WELCOME: RouteRequirements = Object.freeze({ active: true, verified: false, superuser: false, optional: true });

const handshakes = new WeakMap<object, Promise<UserProtocol<unknown> | null | undefined>>();
const logger = new Logger('UsersAuthGuard');

/**
 * The user a gateway client's handshake authenticated, once it is checked: `null` for an anonymous client of a
 * `@Public()` or `optional` gateway, `undefined` for a refused client (being disconnected) or one whose gateway does
 * not call `UsersAuthGuard.authenticateConnections`. Await it in `handleConnection` (e.g. to join the user's room):
 * with the `ws` adapter, `handleConnection` runs before the handshake is checked.
 * @publicApi
 */
export async function connectionUser<U = UserProtocol<unknown>>(client: object): Promise<U | null | undefined> {
  return (await handshakes.get(client)) as U | null | undefined;
}

/**
 * Authenticates every connection of a gateway's server once, at the handshake (see `UsersAuthGuard.authenticateConnections`).
 */
export function authenticateConnections(
  server: unknown,
  requirements: RouteRequirements | undefined,
  check: HandshakeCheck,
): void {
  const effective = requirements ?? ANONYMOUS_WELCOME;
  if (typeof (server as SocketIoServer).use === 'function') {
    (server as SocketIoServer).use((socket, next) => {
      const checked = check(handshakeOf(socket), effective);
      handshakes.set(socket, settle(checked));
      void checked.then(
        ({ failure }) => {
          if (!failure) return next();
          const error = new Error(AUTH_FAILURE_MESSAGES[failure]) as RefusedConnectionError;
          error.data = { code: WS_ERROR_CODES[failure].code };
          next(error);
        },
        (error: unknown) => {
          logger.error(`A handshake could not be checked: ${String(error)}`);
          next(Object.assign(new Error('Internal server error'), { data: { code: 'INTERNAL_SERVER_ERROR' } }));
        },
      );
    });
    return;
  }
  (server as WsServer).on('connection', (client, request) => {
    rememberUpgrade(client, request);
    const checked = check(handshakeOf(client), effective);
    handshakes.set(client, settle(checked));
    void checked.then(
      ({ failure }) => {
        if (failure) client.close(WS_ERROR_CODES[failure].close, AUTH_FAILURE_MESSAGES[failure]);
      },
      (error: unknown) => {
        logger.error(`A handshake could not be checked: ${String(error)}`);
        client.close(1011, 'Internal server error');
      },
    );
  });
}

/** The user of a checked handshake, `undefined` when it was refused or could not be checked. */
function settle(checked: Promise<AuthOutcome>): Promise<UserProtocol<unknown> | null | undefined> {
  return checked.then(
    ({ found, failure }) => (failure ? undefined : (found?.user ?? null)),
    () => undefined,
  );
}
