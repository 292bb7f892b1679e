import { Authenticated, connectionUser, CurrentUser, UsersAuthGuard, type UserProtocol } from '@nest-users/core';
import { SubscribeMessage, WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { Socket } from 'socket.io';

type User = UserProtocol<string>;

@WebSocketGateway()
@Authenticated() // the handshake and every message: an active user
export class AccountGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(private readonly guard: UsersAuthGuard) {}

  afterInit(server: unknown) {
    // Refuses a connection at its handshake: socket.io `connect_error` (data.code), ws close code 4401 / 4403.
    this.guard.authenticateConnections(server, AccountGateway);
  }

  async handleConnection(client: Socket) {
    const user = await connectionUser<User>(client);
    if (user) await client.join(`user:${user.id}`); // e.g. to push this user's events to this user only
  }

  @SubscribeMessage('whoami')
  whoami(@CurrentUser('email') email: string) {
    return { event: 'whoami', data: email };
  }

  @SubscribeMessage('shutdown')
  @Authenticated({ superuser: true }) // checked per message: other users get an `exception` event, FORBIDDEN
  shutdown() {
    return { event: 'shutdown', data: 'ok' };
  }
}
