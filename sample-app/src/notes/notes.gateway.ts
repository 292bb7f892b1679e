import { Authenticated, connectionUser, UsersAuthGuard } from '@nest-users/core';
import type { OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { Subscription } from 'rxjs';
import type { Namespace, Socket } from 'socket.io';
import type { User } from '../users/user.entity.js';
import { NotesService } from './notes.service.js';

const roomOf = (userId: string) => `user:${userId}`;

/**
 * Pushes `note.created` and `note.deleted` (the note as `GET /notes` shows it) to the sockets of the note's owner,
 * and to nobody else: each authenticated socket joins its user's room, and each event goes to its owner's room.
 * Connect to the `/notes` namespace with `io('/notes', { auth: { token } })`, or with the auth cookie.
 */
@WebSocketGateway({ namespace: 'notes' })
@Authenticated()
export class NotesGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  private subscription?: Subscription;

  constructor(
    private readonly guard: UsersAuthGuard,
    private readonly notes: NotesService,
  ) {}

  afterInit(namespace: Namespace): void {
    this.guard.authenticateConnections(namespace, NotesGateway);
    this.subscription = this.notes.events.subscribe(({ type, ownerId, note }) => namespace.to(roomOf(ownerId)).emit(type, note));
  }

  async handleConnection(client: Socket): Promise<void> {
    const user = await connectionUser<User>(client);
    if (user) await client.join(roomOf(user.id));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
