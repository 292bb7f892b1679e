import { randomBytes, randomUUID } from 'node:crypto';
import { generateOpaqueToken, hashToken, type StoredToken, type TokenStore } from '@nest-users/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** What an adapter's `setup` hands the contract: a store on an empty, isolated backend. @publicApi */
export interface TokenStoreContractFixture {
  store: TokenStore;
  /** Frees everything `setup` created (connections, files, schemas, key prefixes). */
  teardown(): Promise<void>;
  /**
   * One entry per token record the backend holds (a row; a key with its value), read from the backend itself, in any
   * JSON-serializable form. Turns on the record-count and "no raw token stored" checks; omit it only for stores
   * that cannot be read back.
   */
  dump?(): Promise<unknown[]>;
  /** Records expire by themselves (Redis TTLs): `purgeExpired` may answer 0. @default false */
  expiresByTtl?: boolean;
}

const RACE_SIZE = 20;
const HOUR_MS = 3600_000;

/**
 * Registers the `TokenStore` contract; `setup` runs before each case and must give an empty store.
 * @publicApi
 */
export function describeTokenStoreContract(name: string, setup: () => Promise<TokenStoreContractFixture>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let fixture: TokenStoreContractFixture | undefined;
    const store = () => fixture!.store;

    beforeEach(async () => {
      fixture = await setup();
      // A store left dirty by a previous run would make every count below meaningless.
      if (fixture.dump) expect(await fixture.dump()).toEqual([]);
    });

    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });

    it('finds a saved token with all its fields (kind, family, fingerprint), dates to the second', async () => {
      const plain = token({ userId: '42', fingerprint: null });
      const inFamily = token({ userId: randomUUID(), family: randomUUID() });
      await store().save(plain);
      await store().save(inFamily);
      expectSameToken(await store().find(plain.hash, plain.kind), plain);
      expectSameToken(await store().find(inFamily.hash, inFamily.kind), inFamily);
    });

    it('finds and spends a token only as its own kind, and leaves it untouched when asked for the other', async () => {
      const access = token({ kind: 'access', family: randomUUID() });
      const refresh = token({ kind: 'refresh', family: access.family });
      await store().save(access);
      await store().save(refresh);
      // A refresh token is no bearer token; an access token cannot be rotated (nor reported as reused).
      expect(await store().find(refresh.hash, 'access')).toBeNull();
      for (let i = 0; i < 2; i++) expect(await store().spend(access.hash, 'refresh')).toBeNull();
      expect(await store().find(access.hash, 'refresh')).toBeNull();
      expect(await store().spend(refresh.hash, 'access')).toBeNull();
      expectSameToken(await store().find(access.hash, 'access'), access);
      const spent = await store().spend(refresh.hash, 'refresh');
      expect(spent?.alreadySpent, 'the refresh token must not have been spent as an access token').toBe(false);
      expectSameToken(spent!.token, refresh);
      // Spent, it is still no access token.
      expect(await store().find(refresh.hash, 'access')).toBeNull();
    });

    it('answers null for an unknown hash, and for the raw token of a stored hash', async () => {
      const raw = generateOpaqueToken();
      await store().save(token({ hash: hashToken(raw) }));
      expect(await store().find(hashToken(generateOpaqueToken()), 'access')).toBeNull();
      expect(await store().spend(hashToken(generateOpaqueToken()), 'refresh')).toBeNull();
      // The store looks hashes up as given: hashing again (or not at all) would break every strategy.
      expect(await store().find(raw, 'access')).toBeNull();
    });

    it('finds an expired token neither by find nor by spend', async () => {
      const long = token({ expiresAt: new Date(Date.now() - HOUR_MS) });
      const short = token({ expiresAt: new Date(Date.now() + 1000) });
      await store().save(long);
      await store().save(short);
      expect(await store().find(long.hash, long.kind)).toBeNull();
      expect(await store().spend(long.hash, long.kind)).toBeNull();
      expect(await store().find(short.hash, short.kind), 'a live token must be found').not.toBeNull();
      // Expiry is checked when the token is read, not only when it was written.
      await sleep(short.expiresAt.getTime() - Date.now() + 250);
      expect(await store().find(short.hash, short.kind)).toBeNull();
      expect(await store().spend(short.hash, short.kind)).toBeNull();
    });

    it('deletes one token and leaves the others; deleting an unknown hash is a no-op', async () => {
      const [a, b] = [token({ userId: 'u1' }), token({ userId: 'u1' })];
      await store().save(a);
      await store().save(b);
      await store().delete(a.hash);
      await store().delete(hashToken(generateOpaqueToken()));
      expect(await store().find(a.hash, a.kind)).toBeNull();
      expect(await store().spend(a.hash, a.kind)).toBeNull();
      expectSameToken(await store().find(b.hash, b.kind), b);
    });

    it("deleteUser ends every token of that user, spent ones included, and no one else's", async () => {
      const ada = [token({ userId: 'ada' }), token({ userId: 'ada', family: 'f1' }), token({ userId: 'ada' })];
      const grace = [token({ userId: 'grace' }), token({ userId: 'grace', family: 'f2' })];
      for (const t of [...ada, ...grace]) await store().save(t);
      await store().spend(ada[2]!.hash, ada[2]!.kind);
      await store().deleteUser('ada');
      await store().deleteUser('nobody');
      for (const t of ada) {
        expect(await store().find(t.hash, t.kind)).toBeNull();
        // A deleted refresh token must not even be reported as reused.
        expect(await store().spend(t.hash, t.kind)).toBeNull();
      }
      for (const t of grace) expectSameToken(await store().find(t.hash, t.kind), t);
      if (fixture!.dump) expect(await fixture!.dump()).toHaveLength(grace.length);
    });

    it('deleteFamily ends every token of that family, spent ones included, and no other', async () => {
      const family = randomUUID();
      const members = [token({ userId: 'ada', family }), token({ userId: 'ada', family })];
      const others = [token({ userId: 'ada', family: randomUUID() }), token({ userId: 'ada' })];
      for (const t of [...members, ...others]) await store().save(t);
      expect((await store().spend(members[0]!.hash, members[0]!.kind))?.alreadySpent).toBe(false);
      await store().deleteFamily(family);
      await store().deleteFamily(randomUUID());
      for (const t of members) {
        expect(await store().find(t.hash, t.kind)).toBeNull();
        expect(await store().spend(t.hash, t.kind)).toBeNull();
      }
      for (const t of others) expectSameToken(await store().find(t.hash, t.kind), t);
      if (fixture!.dump) expect(await fixture!.dump()).toHaveLength(others.length);
    });

    it('spends a token once: later calls report reuse with the same token, and find no longer sees it', async () => {
      const refresh = token({ userId: 'ada', family: randomUUID() });
      const bystander = token({ userId: 'ada', family: refresh.family });
      await store().save(refresh);
      await store().save(bystander);
      const first = await store().spend(refresh.hash, refresh.kind);
      expect(first?.alreadySpent).toBe(false);
      expectSameToken(first!.token, refresh);
      expect(await store().find(refresh.hash, refresh.kind)).toBeNull();
      for (let i = 0; i < 2; i++) {
        const again = await store().spend(refresh.hash, refresh.kind);
        expect(again?.alreadySpent).toBe(true);
        expectSameToken(again!.token, refresh);
      }
      // Spending one token leaves its family alone until the caller decides otherwise.
      expectSameToken(await store().find(bystander.hash, bystander.kind), bystander);
    });

    it(`lets exactly one of ${RACE_SIZE} concurrent spends of one token win`, async () => {
      const refresh = token({ userId: 'ada', family: randomUUID() });
      await store().save(refresh);
      const results = await Promise.all(Array.from({ length: RACE_SIZE }, () => store().spend(refresh.hash, refresh.kind)));
      expect(results.filter((r) => r?.alreadySpent === false)).toHaveLength(1);
      expect(results.filter((r) => r?.alreadySpent === true)).toHaveLength(RACE_SIZE - 1);
      for (const r of results) expectSameToken(r!.token, refresh);
    });

    it('purges expired tokens, spent or not, keeps live ones (spent ones too) and counts what it removed', async () => {
      const expired = [token({ expiresAt: new Date(Date.now() - HOUR_MS) }), token({ expiresAt: new Date(Date.now() - 1000) })];
      const spentSoon = token({ expiresAt: new Date(Date.now() + 1000), family: randomUUID() });
      const live = token();
      const spentLive = token({ family: randomUUID() });
      for (const t of [...expired, spentSoon, live, spentLive]) await store().save(t);
      await store().spend(spentSoon.hash, spentSoon.kind);
      await store().spend(spentLive.hash, spentLive.kind);
      await sleep(spentSoon.expiresAt.getTime() - Date.now() + 250);

      const purged = await store().purgeExpired();
      if (fixture!.expiresByTtl) expect([0, 3]).toContain(purged);
      else expect(purged).toBe(3);
      for (const t of [...expired, spentSoon]) expect(await store().find(t.hash, t.kind)).toBeNull();
      expectSameToken(await store().find(live.hash, live.kind), live);
      // A spent token is kept until it expires: that is what detects its reuse.
      expect((await store().spend(spentLive.hash, spentLive.kind))?.alreadySpent).toBe(true);
      if (fixture!.dump) expect(await fixture!.dump()).toHaveLength(2);
      expect(await store().purgeExpired()).toBe(0);
    });

    it('stores the hash as given and never the raw token', async (ctx) => {
      const raw = generateOpaqueToken();
      const saved = token({ hash: hashToken(raw), userId: 'ada', family: randomUUID() });
      await store().save(saved);
      expect((await store().find(saved.hash, saved.kind))?.hash).toBe(saved.hash);
      if (!fixture!.dump) ctx.skip('the fixture cannot read the backend (no dump)');
      const stored = JSON.stringify(await fixture!.dump!());
      expect(stored).toContain(saved.hash);
      expect(stored).not.toContain(raw);
    });
  });
}

/** A token to save: a refresh token when it has a family, else an access token, unless `kind` says otherwise. */
function token(fields: Partial<StoredToken> = {}): StoredToken {
  return {
    hash: hashToken(generateOpaqueToken()),
    userId: randomUUID(),
    kind: fields.family ? 'refresh' : 'access',
    expiresAt: new Date(Date.now() + HOUR_MS),
    family: null,
    fingerprint: randomBytes(16).toString('base64url'),
    ...fields,
  };
}

function expectSameToken(actual: StoredToken | null | undefined, expected: StoredToken): void {
  expect(actual, `token ${expected.hash} not found`).toBeTruthy();
  expect(actual!.hash).toBe(expected.hash);
  expect(actual!.userId).toBe(expected.userId);
  expect(actual!.kind).toBe(expected.kind);
  // An absent family or fingerprint may come back as undefined or null.
  expect(actual!.family ?? null).toBe(expected.family ?? null);
  expect(actual!.fingerprint ?? null).toBe(expected.fingerprint ?? null);
  expect(actual!.expiresAt).toBeInstanceOf(Date);
  expect(Math.abs(actual!.expiresAt.getTime() - expected.expiresAt.getTime())).toBeLessThan(1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
