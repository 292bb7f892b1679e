import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationBackend } from '../backend/authentication-backend.js';
import { UserNotExistsError } from '../errors/user.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { BearerTransport } from '../transport/bearer.transport.js';
import { JwtStrategy } from './jwt.strategy.js';
import { StoredTokenStrategy } from './stored-token.strategy.js';
import { hashToken, tokenFingerprint } from './stored-token.util.js';
import type { UserLookup } from './strategy.interface.js';
import type { StoredToken, TokenStore } from './token-store.interface.js';

type TestUser = UserProtocol<string>;

/** A store that ignores the kind it is asked for (as a careless third-party adapter might): core must still check. */
class KindBlindStore implements TokenStore {
  readonly tokens = new Map<string, { token: StoredToken; spent: boolean }>();
  async save(token: StoredToken) {
    this.tokens.set(token.hash, { token: { ...token }, spent: false });
  }
  async find(hash: string) {
    const entry = this.tokens.get(hash);
    return entry && !entry.spent ? entry.token : null;
  }
  async spend(hash: string) {
    const entry = this.tokens.get(hash);
    if (!entry) return null;
    const alreadySpent = entry.spent;
    entry.spent = true;
    return { token: entry.token, alreadySpent };
  }
  async delete(hash: string) {
    this.tokens.delete(hash);
  }
  async deleteFamily(family: string) {
    for (const [hash, { token }] of this.tokens) if (token.family === family) this.tokens.delete(hash);
  }
  async deleteUser(userId: string) {
    for (const [hash, { token }] of this.tokens) if (token.userId === userId) this.tokens.delete(hash);
  }
  async purgeExpired() {
    return 0;
  }
}

function setup() {
  const user: TestUser = {
    id: randomUUID(),
    email: 'ada@example.com',
    hashedPassword: '$argon2id$old',
    isActive: true,
    isSuperuser: false,
    isVerified: true,
  };
  const users: UserLookup<TestUser, string> = {
    parseId: (value) => String(value),
    get: async (id) => {
      if (id !== user.id) throw new UserNotExistsError();
      return user;
    },
  };
  const store = new KindBlindStore();
  const strategy = new StoredTokenStrategy<TestUser, string>(store, { lifetimeSeconds: 60 });
  const backend = new AuthenticationBackend<TestUser, string>({
    name: 'db',
    transport: new BearerTransport(),
    strategy,
    refresh: { store },
  });
  return { user, users, store, strategy, backend };
}

async function loginPair(backend: AuthenticationBackend<TestUser, string>, user: TestUser) {
  const { body } = await backend.login(user);
  return body as { access_token: string; refresh_token: string };
}

describe('StoredTokenStrategy and refresh tokens over a store that ignores kinds', () => {
  it('refuse a refresh token as a bearer and an access token at refresh, leaving the session alone', async () => {
    const { user, users, backend, strategy } = setup();
    const pair = await loginPair(backend, user);
    expect(await strategy.readToken(pair.refresh_token, users)).toBeNull();
    // Twice: the store marks it spent, but core neither rotates it nor calls it a reuse that revokes the family.
    expect(await backend.refreshLogin(pair.access_token, users)).toBeNull();
    expect(await backend.refreshLogin(pair.access_token, users)).toBeNull();
    expect(await backend.refreshLogin(pair.refresh_token, users)).not.toBeNull();
  });

  it('store the kind, the session and a fingerprint keyed by the token, never the password hash', async () => {
    const { user, backend, store } = setup();
    const pair = await loginPair(backend, user);
    const access = store.tokens.get(hashToken(pair.access_token))!.token;
    const refresh = store.tokens.get(hashToken(pair.refresh_token))!.token;
    expect(access).toMatchObject({
      kind: 'access',
      userId: user.id,
      fingerprint: tokenFingerprint(pair.access_token, user.hashedPassword),
    });
    expect(refresh).toMatchObject({
      kind: 'refresh',
      family: access.family,
      fingerprint: tokenFingerprint(pair.refresh_token, user.hashedPassword),
    });
    expect(access.family).toEqual(expect.any(String));
    // Keyed by each token: two tokens of one password share no fingerprint, and none is a plain digest of the hash.
    expect(access.fingerprint).not.toBe(refresh.fingerprint);
    expect(JSON.stringify([...store.tokens.values()])).not.toContain(user.hashedPassword);
  });

  it('refuse tokens minted from a password the user no longer has', async () => {
    const { user, users, backend, strategy } = setup();
    const pair = await loginPair(backend, user);
    expect(await strategy.readToken(pair.access_token, users)).toBe(user);
    user.hashedPassword = '$argon2id$new';
    expect(await strategy.readToken(pair.access_token, users)).toBeNull();
    expect(await backend.refreshLogin(pair.refresh_token, users)).toBeNull();
  });

  it('logout ends the refresh family of the session, stored or JWT, and no other', async () => {
    for (const jwt of [false, true]) {
      const { user, users, store } = setup();
      const strategy = jwt
        ? new JwtStrategy<TestUser, string>({ secret: 'x'.repeat(32), lifetimeSeconds: 60 })
        : new StoredTokenStrategy<TestUser, string>(store, { lifetimeSeconds: 60 });
      const backend = new AuthenticationBackend<TestUser, string>({
        name: 'b',
        transport: new BearerTransport(),
        strategy,
        refresh: { store },
      });
      const [ended, kept] = [await loginPair(backend, user), await loginPair(backend, user)];
      await backend.logout(ended.access_token, user);
      expect(await backend.refreshLogin(ended.refresh_token, users), `jwt: ${jwt}`).toBeNull();
      expect(await backend.refreshLogin(kept.refresh_token, users), `jwt: ${jwt}`).not.toBeNull();
    }
  });
});
