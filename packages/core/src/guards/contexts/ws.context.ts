import type { ExecutionContext } from '@nestjs/common';
import type { TokenCarrier } from '../../transport/transport.interface.js';
import { AUTH_FAILURE_MESSAGES, recordsBy, type AuthFailure, type GuardContext } from './guard-context.js';
import { subscriptionCarrier } from './handshake.js';

/** The refusal codes of WebSocket gateways: the `code` of a refused message, the close codes of a refused connection. */
export const WS_ERROR_CODES: Readonly<Record<AuthFailure, { code: string; close: number }>> = Object.freeze({
  unauthenticated: { code: 'UNAUTHENTICATED', close: 4401 },
  forbidden: { code: 'FORBIDDEN', close: 4403 },
  unavailable: { code: 'SERVICE_UNAVAILABLE', close: 1013 },
});

interface SocketIoClient {
  handshake?: { headers?: TokenCarrier['headers']; auth?: unknown };
}

/** The upgrade requests of `ws` clients (a `ws` socket does not keep it), recorded when they connect. */
const upgrades = new WeakMap<object, TokenCarrier>();

/** Keeps the upgrade request of a `ws` client, so its messages are authenticated by its handshake. */
export function rememberUpgrade(client: object, request: TokenCarrier): void {
  upgrades.set(client, request);
}

/**
 * The handshake credentials of a gateway client: socket.io's `handshake` (headers and `auth` payload), or the
 * upgrade request of a `ws` client; `undefined` for a client whose handshake was never seen.
 */
export function handshakeOf(client: unknown): TokenCarrier | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const handshake = (client as SocketIoClient).handshake;
  if (handshake?.headers) return subscriptionCarrier({ headers: handshake.headers }, handshake.auth);
  const upgrade = upgrades.get(client);
  return upgrade && subscriptionCarrier(upgrade, undefined);
}

let websockets: Promise<typeof import('@nestjs/websockets')> | undefined;

/**
 * Gateway message handlers (`@nestjs/websockets`): every message is authenticated with the client's handshake
 * credentials (a token that expired or was revoked since stops working), the user is kept per client and handler
 * (each message checked anew), and a refusal is a `WsException` whose error is `{ status: 'error', code, message }`
 * (`code` `UNAUTHENTICATED`, `FORBIDDEN` or `SERVICE_UNAVAILABLE`), which Nest sends socket.io clients as an
 * `exception` event (and `ws` clients as `{ event: 'exception', data }`).
 */
export const wsGuardContext: GuardContext = {
  request: (context) => handshakeOf(context.switchToWs().getClient()),
  // A message's payload may be a bare string or nothing: the client (and the handler) is all there is to key on.
  record: recordsBy((context) => context.switchToWs().getClient<object>()),
  recordPerCall: false,
  async failure(_context: ExecutionContext, kind) {
    const { WsException } = await (websockets ??= import('@nestjs/websockets'));
    const { code } = WS_ERROR_CODES[kind];
    return new WsException({ status: 'error', code, message: AUTH_FAILURE_MESSAGES[kind] });
  },
  authenticated: () => undefined,
};
