import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, PASSWORD, register } from '../fixtures/http.js';
import { createSampleApp, type SampleAppOptions } from '../fixtures/sample-app.js';
import { createSampleAppDatabase, type SampleAppDatabase } from '../fixtures/sample-app-database.js';

const platforms: Array<NonNullable<SampleAppOptions['platform']>> = ['express', 'fastify'];

/** The sample app's GraphQL endpoint: `me` and the notes, on the rules of `/users/me` and `/notes`. */
describe.each(platforms)('the sample app over GraphQL (%s)', (platform) => {
  let app: INestApplication;
  let database: SampleAppDatabase;
  beforeAll(async () => {
    database = await createSampleAppDatabase('sqlite');
    app = await createSampleApp({
      databaseUrl: database.databaseUrl,
      jwtSecret: randomBytes(32).toString('base64url'),
      platform,
      logger: false,
    });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const token = async (email: string) => {
    await register(app.getHttpServer(), email, PASSWORD);
    return login(app.getHttpServer(), email, PASSWORD);
  };
  const gql = async (query: string, bearer?: string, variables?: Record<string, unknown>) => {
    const call = request(app.getHttpServer()).post('/graphql');
    if (bearer) call.set('Authorization', `Bearer ${bearer}`);
    const response = await call.send({ query, variables });
    expect(response.status).toBe(200);
    return response.body as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> };
  };

  it('answers me and the caller’s own notes, and nobody else’s', async () => {
    const [ada, bob] = [await token('ada@example.com'), await token('bob@example.com')];
    expect((await gql('{ me { email isActive isVerified isSuperuser displayName } }', ada)).data).toEqual({
      me: { email: 'ada@example.com', isActive: true, isVerified: false, isSuperuser: false, displayName: null },
    });
    const created = await gql('mutation($text: String!) { createNote(input: { text: $text }) { id text } }', ada, {
      text: 'A secret',
    });
    const note = created.data!.createNote as { id: string; text: string };
    expect(note.text).toBe('A secret');
    // The same note over REST: one store, one set of rules.
    const rest = await request(app.getHttpServer()).get('/notes').set('Authorization', `Bearer ${ada}`);
    expect(rest.body).toEqual([expect.objectContaining({ id: note.id, text: 'A secret' })]);

    expect((await gql('{ notes { text } }', bob)).data).toEqual({ notes: [] });
    const deleteQuery = 'mutation($id: ID!) { deleteNote(id: $id) }';
    expect((await gql(deleteQuery, bob, { id: note.id })).data).toEqual({ deleteNote: false });
    expect((await gql('{ notes { text } }', ada)).data).toEqual({ notes: [{ text: 'A secret' }] });
    expect((await gql(deleteQuery, ada, { id: note.id })).data).toEqual({ deleteNote: true });
    expect((await gql('{ notes { text } }', ada)).data).toEqual({ notes: [] });
  });

  it('refuses anonymous callers with UNAUTHENTICATED, and an empty note as bad input', async () => {
    const anonymous = await gql('{ me { email } notes { text } }');
    expect(anonymous.data).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const ada = await token('empty@example.com');
    const empty = await gql('mutation { createNote(input: { text: "" }) { id } }', ada);
    expect(empty.data).toBeNull();
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
