import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { createSampleApp } from '../fixtures/sample-app.js';
import { createSampleAppDatabase, type SampleAppDatabase } from '../fixtures/sample-app-database.js';

/** The sample app's notes gateway: a user's note events reach that user's sockets, and only theirs. */
describe('the sample app pushes note events to their owner only (socket.io)', () => {
  let app: INestApplication;
  let database: SampleAppDatabase;
  let url: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    database = await createSampleAppDatabase('sqlite');
    app = await createSampleApp({
      databaseUrl: database.databaseUrl,
      jwtSecret: randomBytes(32).toString('base64url'),
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await app?.close();
    await database?.drop();
  });

  const token = async (email: string) => {
    await register(app.getHttpServer(), email, PASSWORD);
    return login(app.getHttpServer(), email, PASSWORD);
  };
  /** A socket on the notes namespace, recording every event it receives. */
  const listen = (auth: Record<string, string>) =>
    new Promise<{ socket: Socket; events: Array<[string, unknown]>; error?: Error & { data?: { code?: string } } }>((resolve) => {
      const socket = io(`${url}/notes`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(socket);
      const events: Array<[string, unknown]> = [];
      socket.onAny((event: string, payload: unknown) => events.push([event, payload]));
      socket.on('connect', () => resolve({ socket, events }));
      socket.on('connect_error', (error) => resolve({ socket, events, error }));
    });
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(check()).toBe(true);
  };

  it('sends note.created and note.deleted to the owner’s sockets, never to another user’s', async () => {
    const [ada, bob] = [await token('ada@example.com'), await token('bob@example.com')];
    const adaPhone = await listen({ token: ada });
    const adaLaptop = await listen({ token: ada });
    const bobPhone = await listen({ token: bob });
    expect([adaPhone.error, adaLaptop.error, bobPhone.error]).toEqual([undefined, undefined, undefined]);

    const created = await request(app.getHttpServer())
      .post('/notes')
      .set('Authorization', `Bearer ${ada}`)
      .send({ text: 'A secret' });
    expect(created.status).toBe(201);
    await until(() => adaPhone.events.length === 1 && adaLaptop.events.length === 1);
    expect(adaPhone.events).toEqual([['note.created', { ...created.body }]]);

    // Bob's own note reaches Bob: once it has, Ada's would have too, had it been sent to him.
    const mine = await request(app.getHttpServer()).post('/notes').set('Authorization', `Bearer ${bob}`).send({ text: 'Bob' });
    await until(() => bobPhone.events.length === 1);
    expect(bobPhone.events).toEqual([['note.created', mine.body]]);

    await request(app.getHttpServer()).delete(`/notes/${created.body.id}`).set('Authorization', `Bearer ${ada}`).expect(204);
    await until(() => adaLaptop.events.length === 2);
    expect(adaLaptop.events[1]).toEqual(['note.deleted', created.body]);
    expect(bobPhone.events).toHaveLength(1);
  });

  it('refuses a socket without a valid token', async () => {
    expect((await listen({})).error?.data?.code).toBe('UNAUTHENTICATED');
    expect((await listen({ token: 'garbage' })).error?.data?.code).toBe('UNAUTHENTICATED');
  });
});
