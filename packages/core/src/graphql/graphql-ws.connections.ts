import { Logger } from '@nestjs/common';
import type { RouteRequirements } from '../guards/auth-requirements.js';
import { AUTH_FAILURE_MESSAGES, type AuthFailure } from '../guards/contexts/guard-context.js';
import { subscriptionCarrier } from '../guards/contexts/handshake.js';
import { WS_ERROR_CODES } from '../guards/contexts/ws.context.js';
import type { HandshakeCheck } from '../websockets/gateway-connections.js';
import type { TokenCarrier } from '../transport/transport.interface.js';

/** @publicApi */
export interface GraphqlWsAuthOptions {
  /**
   * How often, in seconds, the token of an open connection is checked again: a connection whose token expired or was
   * revoked (a stateful strategy's logout, a password change) is closed with 4401, and its subscriptions end.
   * @default 60
   */
  recheckSeconds?: number;
}

/** The part of graphql-ws's `Context` this reads (`extra` as `useServer` from `graphql-ws/use/ws` fills it). */
export interface GraphqlWsContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra?: unknown;
}

interface WsExtra {
  request?: TokenCarrier;
  socket?: { close(code: number, reason: string): void; once(event: 'close', listener: () => void): unknown };
}

const logger = new Logger('UsersAuthGuard');

/** One subscription connection, whatever the server: its credentials, how to close it, when it closed. */
export interface SubscriptionConnection {
  /** The connection's credentials (its payload's token over the upgrade request's headers), read at each check. */
  credentials(): TokenCarrier;
  close(code: number, reason: string): void;
  onClose(listener: () => void): void;
}

/**
 * Authenticates a subscription connection when it opens, and its token again every `recheckSeconds` while it lives:
 * a refusal closes it with 4401, 4403 or 1013 (then its subscriptions end). Resolves whether it was accepted. Shared
 * by graphql-ws (Apollo) and Mercurius: the backends and user rules are `check`'s, the guard's.
 */
export async function watchSubscriptionConnection(
  check: HandshakeCheck,
  requirements: RouteRequirements,
  connection: SubscriptionConnection,
  options: GraphqlWsAuthOptions = {},
): Promise<boolean> {
  const recheckMs = Math.max(1, options.recheckSeconds ?? 60) * 1000;
  const close = (failure: AuthFailure) => connection.close(WS_ERROR_CODES[failure].close, AUTH_FAILURE_MESSAGES[failure]);
  const { failure } = await check(connection.credentials(), requirements);
  if (failure) {
    // Closed with our code first: the server's own refusal (graphql-ws's 4403) then finds it closing.
    close(failure);
    return false;
  }
  const timer = setInterval(() => {
    check(connection.credentials(), requirements).then(
      (outcome) => {
        if (!outcome.failure) return;
        clearInterval(timer);
        close(outcome.failure);
      },
      (error: unknown) => {
        clearInterval(timer);
        logger.error(`A subscription connection could not be checked again: ${String(error)}`);
        connection.close(1011, 'Internal server error');
      },
    );
  }, recheckMs);
  timer.unref();
  connection.onClose(() => clearInterval(timer));
  return true;
}

/**
 * graphql-ws's `onConnect` for `check` and `requirements`: authenticates the connection from its `connectionParams`
 * (`{ authorization: 'Bearer <token>' }` or `{ token }`) or the upgrade request's cookie, closes a refused one with
 * 4401, 4403 or 1013, and checks the token again every `recheckSeconds` while the connection lives.
 */
export function graphqlWsOnConnect(
  check: HandshakeCheck,
  requirements: RouteRequirements,
  options: GraphqlWsAuthOptions = {},
): (context: GraphqlWsContext) => Promise<boolean> {
  return (context) => {
    const extra = (context.extra ?? {}) as WsExtra;
    return watchSubscriptionConnection(
      check,
      requirements,
      {
        credentials: () => subscriptionCarrier(extra.request, context.connectionParams),
        close: (code, reason) => extra.socket?.close(code, reason),
        onClose: (listener) => extra.socket?.once('close', listener),
      },
      options,
    );
  };
}
