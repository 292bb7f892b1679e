import { Authenticated, CurrentUser, UsersAuthGuard } from '@nest-users/core';
import type { Type } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import type { User } from '../fixtures/user.entity.js';

export type GatewayAdapter = 'socket.io' | 'ws';

/**
 * The gateways of the rules the account gateway does not show, each at its own place: a socket.io namespace, or a
 * `ws` path (Nest's ws adapter has no namespaces), hence one set of classes per adapter.
 * - `verified`: verified users only, from the handshake on;
 * - `mobile`: tokens of the `mobile` backend only, from the handshake on;
 * - `lobby`: anyone connects (`optional`), and each handler has its own requirements.
 */
export function requirementGateways(adapter: GatewayAdapter): Array<Type<unknown>> {
  const at = (name: string) => (adapter === 'ws' ? { path: `/${name}` } : { namespace: name });

  @WebSocketGateway(at('verified'))
  @Authenticated({ verified: true })
  class VerifiedGateway implements OnGatewayInit {
    constructor(private readonly guard: UsersAuthGuard) {}

    afterInit(server: unknown): void {
      this.guard.authenticateConnections(server, VerifiedGateway);
    }

    @SubscribeMessage('whoami')
    whoami(@CurrentUser('email') email: string) {
      return { event: 'whoami', data: email };
    }
  }

  @WebSocketGateway(at('mobile'))
  @Authenticated({ backends: ['mobile'] })
  class MobileGateway implements OnGatewayInit {
    constructor(private readonly guard: UsersAuthGuard) {}

    afterInit(server: unknown): void {
      this.guard.authenticateConnections(server, MobileGateway);
    }

    @SubscribeMessage('whoami')
    whoami(@CurrentUser('email') email: string) {
      return { event: 'whoami', data: email };
    }
  }

  @WebSocketGateway(at('lobby'))
  @Authenticated({ optional: true })
  class LobbyGateway implements OnGatewayInit {
    constructor(private readonly guard: UsersAuthGuard) {}

    afterInit(server: unknown): void {
      this.guard.authenticateConnections(server, LobbyGateway);
    }

    @SubscribeMessage('maybe')
    @Authenticated({ optional: true })
    maybe(@CurrentUser() user: User | null) {
      return { event: 'maybe', data: user?.email ?? null };
    }

    @SubscribeMessage('verified')
    @Authenticated({ verified: true })
    verified(@CurrentUser('email') email: string) {
      return { event: 'verified', data: email };
    }

    @SubscribeMessage('mobile')
    @Authenticated({ backends: ['mobile'] })
    mobile(@CurrentUser('email') email: string) {
      return { event: 'mobile', data: email };
    }
  }

  return [VerifiedGateway, MobileGateway, LobbyGateway];
}
