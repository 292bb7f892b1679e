import { Authenticated, connectionUser, CurrentUser, Public, UsersAuthGuard } from '@nest-users/core';
import { SubscribeMessage, WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { User } from '../fixtures/user.entity.js';

/** Every connection authenticated at its handshake; each message checked again, one of them for superusers only. */
@WebSocketGateway()
@Authenticated()
export class AccountGateway implements OnGatewayInit, OnGatewayConnection {
  /** The email of each client, as the handshake authenticated it. */
  readonly connected: Array<string | null | undefined> = [];

  constructor(private readonly guard: UsersAuthGuard) {}

  afterInit(server: unknown): void {
    this.guard.authenticateConnections(server, AccountGateway);
  }

  async handleConnection(client: object): Promise<void> {
    this.connected.push((await connectionUser<User>(client))?.email);
  }

  @SubscribeMessage('whoami')
  whoami(@CurrentUser('email') email: string) {
    return { event: 'whoami', data: email };
  }

  @SubscribeMessage('admin')
  @Authenticated({ superuser: true })
  admin(@CurrentUser('email') email: string) {
    return { event: 'admin', data: email };
  }
}

/** No decorator of ours but one `@Public()`, and no handshake check: what it gets depends on the global guard. */
@WebSocketGateway({ namespace: 'open' })
export class PlainGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentUser('email') email: string) {
    return { event: 'whoami', data: email };
  }

  @SubscribeMessage('ping')
  @Public()
  ping() {
    return { event: 'pong', data: 'pong' };
  }
}
