import { randomBytes, randomUUID } from 'node:crypto';
import { hashToken, tokenFingerprint } from '@nest-users/core';
import { InMemoryTokenStore } from '@nest-users/testing';
import { openTestDataSource } from '@nest-users/testing/typeorm';
import { Entity, type DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastApiUsersAccessTokenEntity } from './fastapi-users-access-token.entity.js';
import { FastApiUsersUserEntity } from './fastapi-users-user.entity.js';
import { importFastApiUsersAccessTokens } from './import-access-tokens.util.js';

@Entity('user')
class User extends FastApiUsersUserEntity {}

const HOUR = 3_600_000;
/** What `secrets.token_urlsafe()` returns. */
const newToken = () => randomBytes(32).toString('base64url');
/** SQLAlchemy's SQLite text for a UTC datetime: microseconds, no offset. */
const sqliteText = (at: Date) =>
  `${at.toISOString().slice(0, 19).replace('T', ' ')}.${String(at.getUTCMilliseconds() * 1000).padStart(6, '0')}`;

describe('importFastApiUsersAccessTokens (SQLite, as SQLAlchemy writes the table)', () => {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let store: InMemoryTokenStore;
  let ada: User;

  beforeEach(async () => {
    ({ dataSource, close } = await openTestDataSource('sqlite', { entities: [User, FastApiUsersAccessTokenEntity] }));
    // synchronize leaves accesstoken alone (synchronize: false): fastapi-users' DDL makes it.
    await dataSource.query(
      'CREATE TABLE accesstoken (token VARCHAR(43) NOT NULL, created_at TIMESTAMP NOT NULL, user_id CHAR(36) NOT NULL, PRIMARY KEY (token))',
    );
    const users = dataSource.getRepository(User);
    ada = await users.save(users.create({ email: 'ada@example.com', hashedPassword: '$2b$12$legacy' }));
    store = new InMemoryTokenStore();
  });
  afterEach(() => close());

  const insert = (token: string, createdAt: string, userId = ada.id) =>
    dataSource.query('INSERT INTO accesstoken (token, created_at, user_id) VALUES (?, ?, ?)', [token, createdAt, userId]);
  const run = (batchSize?: number) =>
    importFastApiUsersAccessTokens({
      tokens: dataSource.getRepository(FastApiUsersAccessTokenEntity),
      users: dataSource.getRepository(User),
      store,
      lifetimeSeconds: 3600,
      batchSize,
    });
  const remaining = async () => (await dataSource.query('SELECT COUNT(*) AS n FROM accesstoken'))[0].n;

  it('saves each live session as nest-users does (hash, kind, fingerprint, expiry), in batches, and empties the table', async () => {
    const createdAt = new Date(Date.now() - 600_000);
    const tokens = Array.from({ length: 5 }, newToken);
    for (const token of tokens) await insert(token, sqliteText(createdAt));
    expect(await run(2)).toEqual({ imported: 5, dropped: 0 });
    expect(await remaining()).toBe(0);
    for (const token of tokens) {
      expect(await store.find(hashToken(token), 'access')).toEqual({
        hash: hashToken(token),
        userId: ada.id,
        kind: 'access',
        family: null,
        fingerprint: tokenFingerprint(token, ada.hashedPassword),
        expiresAt: new Date(createdAt.getTime() + HOUR),
      });
      expect(await store.find(hashToken(token), 'refresh')).toBeNull();
    }
    expect(await run()).toEqual({ imported: 0, dropped: 0 });
  });

  it('reads created_at as UTC whatever its spelling: with or without fraction or offset', async () => {
    const base = new Date(Date.now() - 1_800_000);
    base.setUTCMilliseconds(0);
    const text = base.toISOString().slice(0, 19).replace('T', ' ');
    const spellings = [text, `${text}.5`, `${text}+00:00`, `${text.replace(' ', 'T')}Z`, `${text}.000000+0000`];
    const tokens = spellings.map(() => newToken());
    for (const [i, spelling] of spellings.entries()) await insert(tokens[i]!, spelling);
    expect(await run()).toEqual({ imported: spellings.length, dropped: 0 });
    expect((await store.find(hashToken(tokens[0]!), 'access'))!.expiresAt).toEqual(new Date(base.getTime() + HOUR));
    expect((await store.find(hashToken(tokens[1]!), 'access'))!.expiresAt).toEqual(new Date(base.getTime() + HOUR + 500));
    for (const token of tokens.slice(2)) {
      expect((await store.find(hashToken(token), 'access'))!.expiresAt).toEqual(new Date(base.getTime() + HOUR));
    }
  });

  it('drops expired, malformed, undated and orphaned rows, and deletes them too', async () => {
    const now = Date.now();
    const live = newToken();
    await insert(live, sqliteText(new Date(now - 60_000)));
    await insert(newToken(), sqliteText(new Date(now - HOUR - 1000)));
    await insert('short-token', sqliteText(new Date(now - 60_000)));
    await insert(newToken(), 'yesterday');
    await insert(newToken(), sqliteText(new Date(now - 60_000)), randomUUID());
    expect(await run()).toEqual({ imported: 1, dropped: 4 });
    expect(await remaining()).toBe(0);
    expect(await store.find(hashToken(live), 'access')).not.toBeNull();
  });

  it('counts a session already moved by an interrupted run once, without saving it again', async () => {
    const token = newToken();
    await insert(token, sqliteText(new Date(Date.now() - 60_000)));
    await store.save({ hash: hashToken(token), userId: ada.id, kind: 'access', expiresAt: new Date(Date.now() + HOUR) });
    const saved: string[] = [];
    const save = store.save.bind(store);
    store.save = async (stored) => {
      saved.push(stored.hash);
      return save(stored);
    };
    expect(await run()).toEqual({ imported: 1, dropped: 0 });
    expect(saved).toEqual([]);
  });

  it('wants a positive whole lifetime: nest-users tokens always expire', async () => {
    for (const lifetimeSeconds of [0, -1, 1.5, Number.NaN]) {
      await expect(
        importFastApiUsersAccessTokens({
          tokens: dataSource.getRepository(FastApiUsersAccessTokenEntity),
          users: dataSource.getRepository(User),
          store,
          lifetimeSeconds,
        }),
      ).rejects.toThrow(/lifetimeSeconds/);
    }
  });
});
