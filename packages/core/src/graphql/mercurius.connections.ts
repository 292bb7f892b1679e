import type { RouteRequirements } from '../guards/auth-requirements.js';
import { subscriptionCarrier } from '../guards/contexts/handshake.js';
import type { TokenCarrier } from '../transport/transport.interface.js';
import type { HandshakeCheck } from '../websockets/gateway-connections.js';
import { watchSubscriptionConnection, type GraphqlWsAuthOptions } from './graphql-ws.connections.js';

/** What Mercurius's `subscription.onConnect` receives: the `connection_init` message. */
export interface MercuriusConnectionInit {
  type?: string;
  payload?: unknown;
}

/**
 * The connection Mercurius calls `onConnect` on (`this`): its socket, and its context with the upgrade request.
 * Mercurius hands `onConnect` only the message; `this` is the one link to the connection it belongs to.
 */
interface MercuriusConnection {
  socket?: { close(code: number, reason: string): void; once(event: 'close', listener: () => void): unknown };
  context?: { request?: TokenCarrier };
}

/** The `subscription` options of Mercurius that authenticate its connections (spread into `subscription`). */
export interface MercuriusSubscriptionAuth {
  onConnect(this: unknown, data: MercuriusConnectionInit): Promise<boolean>;
}

/**
 * Mercurius's `subscription.onConnect` for `check` and `requirements`: the same check as graphql-ws's (the payload's
 * token or the upgrade request's cookie, 4401/4403/1013, a recheck every `recheckSeconds`) on Mercurius's own
 * subscription server.
 */
export function mercuriusSubscription(
  check: HandshakeCheck,
  requirements: RouteRequirements,
  options: GraphqlWsAuthOptions = {},
): MercuriusSubscriptionAuth {
  return {
    async onConnect(this: unknown, data: MercuriusConnectionInit): Promise<boolean> {
      const connection = this as MercuriusConnection | undefined;
      const socket = connection?.socket;
      // Without the connection (a Mercurius that calls onConnect otherwise) nothing can be closed or rechecked:
      // refuse rather than let an unchecked connection live.
      if (!socket || typeof socket.close !== 'function') return false;
      // The upgrade request as it came: Mercurius later copies the payload's keys into its headers.
      const upgrade: TokenCarrier = { headers: { ...connection.context?.request?.headers } };
      return watchSubscriptionConnection(
        check,
        requirements,
        {
          credentials: () => subscriptionCarrier(upgrade, data?.payload),
          close: (code, reason) => socket.close(code, reason),
          onClose: (listener) => socket.once('close', listener),
        },
        options,
      );
    },
  };
}
