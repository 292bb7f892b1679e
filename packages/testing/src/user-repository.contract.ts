import { randomUUID } from 'node:crypto';
import {
  InvalidEmailError,
  OAuthAccountAlreadyLinkedError,
  OAuthAccountNotFoundError,
  UserAlreadyExistsError,
  type OAuthAccount,
  type UserProtocol,
  type UserRepository,
} from '@nest-users/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** The user shape the contract writes: the core fields plus an optional custom column. @publicApi */
export type ContractUser<ID = string> = UserProtocol<ID> & { firstName?: string | null };

/** What an adapter's `setup` hands the contract: a repository on an empty, isolated store. @publicApi */
export interface UserRepositoryContractFixture<ID = string> {
  repository: UserRepository<ContractUser<ID>, ID>;
  /** Rows in the store, read from the store itself (not from the repository under test). */
  count(): Promise<number>;
  /** Frees everything `setup` created (connections, files, schemas). */
  teardown(): Promise<void>;
  /** The entity has a nullable `firstName` column; turns on the custom-field case. @default false */
  customFields?: boolean;
  /** An id no user has. @default crypto.randomUUID() */
  unknownId?: ID;
  /**
   * Writes a row with this email exactly as given, past the repository (as a row copied from a fastapi-users
   * database, which keeps the case as typed), and returns its id. Turns on the legacy-row cases; a store that can
   * only hold canonical emails leaves it out.
   */
  insertVerbatim?(email: string, hashedPassword: string): Promise<ID>;
}

/** Emails no adapter may store or find: each has no canonical form (see `canonicalEmail` in @nest-users/core). */
const UNACCEPTABLE_EMAILS = [
  '"a\r\nforged LOG line"@example.com',
  'a\r\nforged@example.com',
  'a\u001b[31m@example.com',
  'ad\u200ba@example.com',
  'ada\u202e@example.com',
  '"ada"@example.com',
  'ada@exa mple.com',
  'ada@127.0.0.1',
];

const RACE_SIZE = 20;

/** Registers the `UserRepository` contract; `setup` runs before each case and must give an empty store. @publicApi */
export function describeUserRepositoryContract<ID = string>(
  name: string,
  setup: () => Promise<UserRepositoryContractFixture<ID>>,
): void {
  describe(`UserRepository contract: ${name}`, () => {
    let fixture: UserRepositoryContractFixture<ID> | undefined;
    const repo = () => fixture!.repository;
    const count = () => fixture!.count();
    const create = (email: string, extra: Partial<ContractUser<ID>> = {}) =>
      repo().create({ email, hashedPassword: 'hash', ...extra });

    beforeEach(async () => {
      fixture = await setup();
      // A store left dirty by a previous run would make every count below meaningless.
      expect(await count()).toBe(0);
    });

    afterEach(async () => {
      await fixture?.teardown();
      fixture = undefined;
    });

    it('creates a user with the fastapi-users default flags and gets it back by id', async () => {
      const created = await create('ada@example.com');
      expect(created.id).toBeTruthy();
      expect(created).toMatchObject({
        email: 'ada@example.com',
        hashedPassword: 'hash',
        isActive: true,
        isSuperuser: false,
        isVerified: false,
      });
      const read = await repo().get(created.id);
      expect(read).toMatchObject({
        id: created.id,
        email: 'ada@example.com',
        hashedPassword: 'hash',
        isActive: true,
        isSuperuser: false,
        isVerified: false,
      });
      expect(await count()).toBe(1);
    });

    it('gives null for an unknown id and an unknown email', async () => {
      await create('ada@example.com');
      expect(await repo().get(fixture!.unknownId ?? (randomUUID() as ID))).toBeNull();
      expect(await repo().getByEmail('grace@example.com')).toBeNull();
    });

    it('finds a user by email in any case and stores the canonical form', async () => {
      const ada = await create('ada@example.com');
      const grace = await create('Grace@Example.COM');
      expect(grace.email).toBe('grace@example.com');
      expect((await repo().get(grace.id))?.email).toBe('grace@example.com');
      expect((await repo().getByEmail('Ada@Example.COM'))?.id).toBe(ada.id);
      expect((await repo().getByEmail('grace@example.com'))?.id).toBe(grace.id);
    });

    it('treats composed and decomposed Unicode as one email (NFKC)', async () => {
      const zoe = await create('Zoe\u0308@example.com');
      expect(zoe.email).toBe('zo\u00eb@example.com');
      expect((await repo().getByEmail('ZO\u00cb@example.com'))?.id).toBe(zoe.id);
      await expect(create('zo\u00eb@example.com')).rejects.toBeInstanceOf(UserAlreadyExistsError);
    });

    it('folds fullwidth look-alikes into one account (NFKC)', async () => {
      const x = await create('\uff38@example.com');
      expect(x.email).toBe('x@example.com');
      expect((await repo().getByEmail('x@example.com'))?.id).toBe(x.id);
      expect((await repo().getByEmail('\uff58@\uff45xample.com'))?.id).toBe(x.id);
      await expect(create('x@example.com')).rejects.toBeInstanceOf(UserAlreadyExistsError);
      expect(await count()).toBe(1);
    });

    it('stores the domain in its ASCII (IDNA) form: Unicode and punycode spellings are one account', async () => {
      const x = await create('X@B\u00fccher.de');
      expect(x.email).toBe('x@xn--bcher-kva.de');
      expect((await repo().get(x.id))?.email).toBe('x@xn--bcher-kva.de');
      expect((await repo().getByEmail('x@xn--bcher-kva.de'))?.id).toBe(x.id);
      expect((await repo().getByEmail('x@B\u00dcCHER.de'))?.id).toBe(x.id);
      await expect(create('x@XN--BCHER-KVA.DE')).rejects.toBeInstanceOf(UserAlreadyExistsError);
      const grace = await create('grace@example.com');
      await expect(repo().update(grace, { email: 'x@xn--bcher-kva.de' })).rejects.toBeInstanceOf(UserAlreadyExistsError);
      expect(await count()).toBe(2);
    });

    it('refuses emails without a canonical form with InvalidEmailError, and never finds a user by one', async () => {
      const ada = await create('ada@example.com');
      for (const email of UNACCEPTABLE_EMAILS) {
        await expect(create(email), JSON.stringify(email)).rejects.toBeInstanceOf(InvalidEmailError);
        await expect(repo().update(ada, { email }), JSON.stringify(email)).rejects.toBeInstanceOf(InvalidEmailError);
        expect(await repo().getByEmail(email), JSON.stringify(email)).toBeNull();
      }
      // Invisible characters are refused, not folded away: they never reach the account they hide.
      expect(await repo().getByEmail('ada\u200b@example.com')).toBeNull();
      expect(await repo().getByEmail('\ufeffada@example.com')).toBeNull();
      expect(await count()).toBe(1);
      expect(await repo().get(ada.id)).toMatchObject({ email: 'ada@example.com' });
    });

    describe('rows stored before emails were canonical', () => {
      const insert = (email: string, hashedPassword = 'legacy-hash') => fixture!.insertVerbatim!(email, hashedPassword);
      beforeEach((ctx) => {
        if (!fixture!.insertVerbatim) ctx.skip('the fixture cannot write a row past the repository');
      });

      it('finds a mixed-case row by any spelling of its address', async () => {
        const id = await insert('Legacy.User@Example.com');
        for (const email of ['legacy.user@example.com', 'Legacy.User@Example.com', 'LEGACY.USER@EXAMPLE.COM']) {
          expect((await repo().getByEmail(email))?.id, email).toEqual(id);
        }
        expect((await repo().getByEmail('legacy.user@example.com'))?.email).toBe('Legacy.User@Example.com');
        expect(await repo().getByEmail('other.user@example.com')).toBeNull();
      });

      it('finds a row whose domain was stored in Unicode by its IDNA spelling', async () => {
        const id = await insert('Jo@B\u00fccher.de');
        expect((await repo().getByEmail('jo@xn--bcher-kva.de'))?.id).toEqual(id);
        expect((await repo().getByEmail('JO@b\u00fccher.DE'))?.id).toEqual(id);
      });

      it('refuses to create or move another account onto a legacy address', async () => {
        await insert('Legacy.User@Example.com');
        await expect(create('legacy.user@example.com')).rejects.toBeInstanceOf(UserAlreadyExistsError);
        const grace = await create('grace@example.com');
        await expect(repo().update(grace, { email: 'LEGACY.user@example.com' })).rejects.toBeInstanceOf(UserAlreadyExistsError);
        expect(await count()).toBe(2);
        expect((await repo().get(grace.id))?.email).toBe('grace@example.com');
      });

      it('lets the legacy user rehash (updateIf on the stored values) and move to the canonical spelling', async () => {
        const id = await insert('Legacy.User@Example.com', 'old');
        const legacy = (await repo().getByEmail('legacy.user@example.com'))!;
        const rehashed = await repo().updateIf(legacy, { hashedPassword: 'old', email: legacy.email }, { hashedPassword: 'new' });
        expect(rehashed).toMatchObject({ id, hashedPassword: 'new' });
        const moved = await repo().update(rehashed!, { email: 'Legacy.User@Example.com' });
        expect(moved.email).toBe('legacy.user@example.com');
        expect((await repo().getByEmail('LEGACY.USER@example.com'))?.id).toEqual(id);
        expect(await count()).toBe(1);
      });

      it('prefers the canonical row, then the first legacy row by id, when several spellings exist', async () => {
        const upper = await insert('TWIN@example.com');
        const mixed = await insert('Twin@example.com');
        const first = [upper, mixed].sort((a, b) => (a < b ? -1 : 1))[0];
        expect((await repo().getByEmail('twin@example.com'))?.id).toEqual(first);
        const canonical = await insert('twin@example.com');
        expect((await repo().getByEmail('TWIN@example.com'))?.id).toEqual(canonical);
      });
    });

    it('rejects a duplicate email in another case with UserAlreadyExistsError and writes no row', async () => {
      const ada = await create('ada@example.com', { hashedPassword: 'first' });
      await expect(create('ADA@example.com', { hashedPassword: 'second' })).rejects.toBeInstanceOf(UserAlreadyExistsError);
      expect(await count()).toBe(1);
      expect(await repo().getByEmail('ada@example.com')).toMatchObject({ id: ada.id, hashedPassword: 'first' });
    });

    it('persists updated flags and password hash', async () => {
      const ada = await create('ada@example.com');
      const changes = { isActive: false, isSuperuser: true, isVerified: true, hashedPassword: 'rehashed' };
      const updated = await repo().update(ada, changes as Partial<ContractUser<ID>>);
      expect(updated).toMatchObject({ id: ada.id, ...changes });
      expect(await repo().get(ada.id)).toMatchObject({ id: ada.id, email: 'ada@example.com', ...changes });
      expect(await count()).toBe(1);
    });

    it('stores an updated email canonically and lets a user keep their own email in another case', async () => {
      const ada = await create('ada@example.com');
      await repo().update(ada, { email: 'ADA@example.com' });
      expect((await repo().get(ada.id))?.email).toBe('ada@example.com');
      const moved = await repo().update((await repo().get(ada.id))!, { email: 'Lovelace@Example.com' });
      expect(moved.email).toBe('lovelace@example.com');
      expect((await repo().getByEmail('LOVELACE@example.com'))?.id).toBe(ada.id);
      expect(await repo().getByEmail('ada@example.com')).toBeNull();
    });

    it("rejects an update to another user's email in another case and leaves both rows intact", async () => {
      const ada = await create('ada@example.com', { hashedPassword: 'ada-hash' });
      const grace = await create('grace@example.com', { hashedPassword: 'grace-hash' });
      await expect(repo().update(grace, { email: 'Ada@Example.com', hashedPassword: 'x' })).rejects.toBeInstanceOf(
        UserAlreadyExistsError,
      );
      expect(grace.email, "a rejected update must not rewrite the caller's object").toBe('grace@example.com');
      expect(await count()).toBe(2);
      expect(await repo().get(ada.id)).toMatchObject({ email: 'ada@example.com', hashedPassword: 'ada-hash' });
      expect(await repo().get(grace.id)).toMatchObject({ email: 'grace@example.com', hashedPassword: 'grace-hash' });
    });

    it('applies updateIf only while the stored row still matches what was expected', async () => {
      const ada = await create('ada@example.com', { hashedPassword: 'old' });
      const updated = await repo().updateIf(ada, { hashedPassword: 'old' }, { hashedPassword: 'new' });
      expect(updated).toMatchObject({ id: ada.id, hashedPassword: 'new' });
      expect(await repo().updateIf(ada, { hashedPassword: 'old' }, { hashedPassword: 'stale' })).toBeNull();
      expect((await repo().get(ada.id))?.hashedPassword).toBe('new');
      await repo().delete(ada);
      expect(await repo().updateIf(ada, { hashedPassword: 'new' }, { hashedPassword: 'ghost' })).toBeNull();
      expect(await count()).toBe(0);
    });

    it(`lets exactly one of ${RACE_SIZE} concurrent updateIf calls with the same expectation win`, async () => {
      const ada = await create('ada@example.com', { hashedPassword: 'old' });
      const results = await Promise.all(
        Array.from({ length: RACE_SIZE }, (_, i) =>
          repo().updateIf(ada, { hashedPassword: 'old' }, { hashedPassword: `new${i}` }),
        ),
      );
      const winners = results.filter((user) => user !== null);
      expect(winners).toHaveLength(1);
      expect((await repo().get(ada.id))?.hashedPassword).toBe(winners[0]!.hashedPassword);
    });

    it('deletes only the given user', async () => {
      const ada = await create('ada@example.com');
      const grace = await create('grace@example.com');
      await repo().delete(ada);
      expect(await repo().get(ada.id)).toBeNull();
      expect(await repo().getByEmail('ada@example.com')).toBeNull();
      expect((await repo().get(grace.id))?.email).toBe('grace@example.com');
      expect(await count()).toBe(1);
    });

    it('returns copies: changing a returned user without update() changes nothing stored', async () => {
      const ada = await create('ada@example.com');
      ada.isSuperuser = true;
      const read = (await repo().get(ada.id))!;
      read.email = 'mallory@example.com';
      expect(await repo().get(ada.id)).toMatchObject({ email: 'ada@example.com', isSuperuser: false });
      expect(await repo().getByEmail('mallory@example.com')).toBeNull();
    });

    it(`lets exactly one of ${RACE_SIZE} concurrent creates of one email (mixed case) win`, async () => {
      const variants = Array.from({ length: RACE_SIZE }, (_, i) => mixCase('race.condition@example.com', i));
      const results = await Promise.allSettled(variants.map((email) => create(email)));

      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(RACE_SIZE - 1);
      // Any other error (deadlock, busy database, nested transaction) would reach users as a 500, not a 400.
      for (const r of rejected) expect(r.reason).toBeInstanceOf(UserAlreadyExistsError);
      expect(await count()).toBe(1);
      expect((await repo().getByEmail('race.condition@example.com'))?.id).toBe(fulfilled[0]!.value.id);
    });

    it('keeps every create that resolved when concurrent writes fail around it', async () => {
      await create('taken@example.com');
      const other = await create('other@example.com');
      // Requests arrive spread out: across these spacings some write always starts while another's transaction is
      // open, which is where a shared connection lets one write join, and be rolled back with, another's.
      for (const spacing of [1, 2, 3, 5]) {
        const writes: Array<() => Promise<unknown>> = [];
        for (let i = 0; i < RACE_SIZE; i++) {
          const taken = mixCase('taken@example.com', i + 1);
          writes.push(() => create(`user${spacing}.${i}@example.com`));
          writes.push(() => create(taken));
          writes.push(() => repo().update(other, { email: taken }));
        }
        const results = await Promise.allSettled(writes.map((write, i) => afterTicks(i * spacing, write)));

        for (const [i, result] of results.entries()) {
          if (i % 3 === 0) expect(result.status, `spacing ${spacing}, write ${i}`).toBe('fulfilled');
          else expect(result.status === 'rejected' && result.reason).toBeInstanceOf(UserAlreadyExistsError);
        }
        for (let i = 0; i < RACE_SIZE; i++) {
          const email = `user${spacing}.${i}@example.com`;
          expect(await repo().getByEmail(email), `${email} resolved but was not stored`).not.toBeNull();
        }
      }
      expect(await count()).toBe(2 + 4 * RACE_SIZE);
      expect((await repo().get(other.id))?.email).toBe('other@example.com');
    });

    describe('OAuth accounts', () => {
      type OAuthRepository = Required<
        Pick<
          UserRepository<ContractUser<ID>, ID>,
          'getByOAuthAccount' | 'addOAuthAccount' | 'updateOAuthAccount' | 'getOAuthAccounts'
        >
      >;
      const oauth = () => repo() as unknown as OAuthRepository;
      const account = (accountId: string, extra: Partial<OAuthAccount> = {}): OAuthAccount => ({
        oauthName: 'google',
        accountId,
        accountEmail: `${accountId}@example.com`,
        accessToken: null,
        refreshToken: null,
        expiresAt: null,
        ...extra,
      });
      beforeEach((ctx) => {
        const methods = ['getByOAuthAccount', 'addOAuthAccount', 'updateOAuthAccount', 'getOAuthAccounts'] as const;
        const present = methods.filter((method) => typeof repo()[method] === 'function');
        if (present.length === 0) ctx.skip('the adapter does not store OAuth accounts');
        // Half an implementation would pass the cases it has and fail in production.
        expect(present, 'an adapter that stores OAuth accounts implements all four methods').toEqual([...methods]);
      });

      it('finds the user by provider name and account id, and nobody by any other pair', async () => {
        const ada = await create('ada@example.com');
        await create('grace@example.com');
        const linked = await oauth().addOAuthAccount(ada, account('1001', { accountEmail: 'ada@gmail.com' }));
        expect(linked).toMatchObject({ id: ada.id, email: 'ada@example.com' });
        expect(await oauth().getByOAuthAccount('google', '1001')).toMatchObject({ id: ada.id, email: 'ada@example.com' });
        expect(await oauth().getByOAuthAccount('github', '1001')).toBeNull();
        expect(await oauth().getByOAuthAccount('google', '1002')).toBeNull();
        expect(await oauth().getByOAuthAccount('google', '100')).toBeNull();
        expect(await oauth().getByOAuthAccount('Google', '1001')).toBeNull();
        expect(await count()).toBe(2);
      });

      it('compares account ids exactly (case matters)', async () => {
        const ada = await create('ada@example.com');
        const grace = await create('grace@example.com');
        await oauth().addOAuthAccount(ada, account('AbC'));
        expect(await oauth().getByOAuthAccount('google', 'abc')).toBeNull();
        await oauth().addOAuthAccount(grace, account('abc'));
        expect((await oauth().getByOAuthAccount('google', 'AbC'))?.id).toEqual(ada.id);
        expect((await oauth().getByOAuthAccount('google', 'abc'))?.id).toEqual(grace.id);
      });

      it('stores every field and lists the accounts of a user, several providers each', async () => {
        const ada = await create('ada@example.com');
        const grace = await create('grace@example.com');
        const long = 'x'.repeat(4096);
        const google = account('g-1', { accessToken: long, refreshToken: 'r'.repeat(2048), expiresAt: 4_102_444_800 });
        const github = account('12345', { oauthName: 'github', accountEmail: 'ada@github.example' });
        await oauth().addOAuthAccount(ada, google);
        await oauth().addOAuthAccount(ada, github);
        await oauth().addOAuthAccount(grace, account('g-2'));
        expect(await oauth().getOAuthAccounts(ada)).toEqual([github, google]);
        expect(await oauth().getOAuthAccounts(grace)).toEqual([account('g-2')]);
        const none = await create('none@example.com');
        expect(await oauth().getOAuthAccounts(none)).toEqual([]);
      });

      it('refuses to link an account linked already, to another user or the same, and keeps the first link', async () => {
        const ada = await create('ada@example.com');
        const mallory = await create('mallory@example.com');
        await oauth().addOAuthAccount(ada, account('1001', { accessToken: 'ada-token' }));
        await expect(oauth().addOAuthAccount(mallory, account('1001'))).rejects.toBeInstanceOf(OAuthAccountAlreadyLinkedError);
        await expect(oauth().addOAuthAccount(ada, account('1001'))).rejects.toBeInstanceOf(OAuthAccountAlreadyLinkedError);
        expect((await oauth().getByOAuthAccount('google', '1001'))?.id).toEqual(ada.id);
        expect(await oauth().getOAuthAccounts(ada)).toEqual([account('1001', { accessToken: 'ada-token' })]);
        expect(await oauth().getOAuthAccounts(mallory)).toEqual([]);
      });

      it(`lets exactly one of ${RACE_SIZE} concurrent links of one account win`, async () => {
        const users = [];
        for (let i = 0; i < RACE_SIZE; i++) users.push(await create(`user${i}@example.com`));
        const results = await Promise.allSettled(users.map((user) => oauth().addOAuthAccount(user, account('race'))));
        const fulfilled = results.filter((r) => r.status === 'fulfilled');
        expect(fulfilled).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(OAuthAccountAlreadyLinkedError);
        expect((await oauth().getByOAuthAccount('google', 'race'))?.id).toEqual(fulfilled[0]!.value.id);
      });

      it('updates the tokens, expiry and email of one account only, and only for its owner', async () => {
        const ada = await create('ada@example.com');
        const mallory = await create('mallory@example.com');
        await oauth().addOAuthAccount(ada, account('1001', { accessToken: 'a1', refreshToken: 'r1', expiresAt: 100 }));
        await oauth().addOAuthAccount(ada, account('1002', { accessToken: 'other' }));
        const updated = await oauth().updateOAuthAccount(ada, 'google', '1001', { accessToken: 'a2', expiresAt: 200 });
        expect(updated).toMatchObject({ id: ada.id });
        expect(await oauth().getOAuthAccounts(ada)).toEqual([
          account('1001', { accessToken: 'a2', refreshToken: 'r1', expiresAt: 200 }),
          account('1002', { accessToken: 'other' }),
        ]);
        await oauth().updateOAuthAccount(ada, 'google', '1001', {
          accessToken: null,
          refreshToken: null,
          expiresAt: null,
          accountEmail: 'new@example.com',
        });
        expect((await oauth().getOAuthAccounts(ada))[0]).toEqual(account('1001', { accountEmail: 'new@example.com' }));
        await expect(oauth().updateOAuthAccount(mallory, 'google', '1001', { accessToken: 'stolen' })).rejects.toBeInstanceOf(
          OAuthAccountNotFoundError,
        );
        await expect(oauth().updateOAuthAccount(ada, 'github', '1001', { accessToken: 'x' })).rejects.toBeInstanceOf(
          OAuthAccountNotFoundError,
        );
        expect((await oauth().getOAuthAccounts(ada))[0]!.accessToken).toBeNull();
      });

      it("removes a deleted user's accounts, so the provider account can be linked again", async () => {
        const ada = await create('ada@example.com');
        const grace = await create('grace@example.com');
        await oauth().addOAuthAccount(ada, account('1001'));
        await oauth().addOAuthAccount(grace, account('2002'));
        await repo().delete(ada);
        expect(await oauth().getByOAuthAccount('google', '1001')).toBeNull();
        const next = await create('next@example.com');
        await oauth().addOAuthAccount(next, account('1001'));
        expect((await oauth().getByOAuthAccount('google', '1001'))?.id).toEqual(next.id);
        expect((await oauth().getByOAuthAccount('google', '2002'))?.id).toEqual(grace.id);
      });

      it('returns copies: changing a returned account changes nothing stored', async () => {
        const ada = await create('ada@example.com');
        await oauth().addOAuthAccount(ada, account('1001', { accessToken: 'a1' }));
        const [read] = await oauth().getOAuthAccounts(ada);
        read!.accessToken = 'tampered';
        expect((await oauth().getOAuthAccounts(ada))[0]!.accessToken).toBe('a1');
      });
    });

    it('round-trips a custom column', async (ctx) => {
      if (!fixture!.customFields) ctx.skip('the fixture entity has no firstName column');
      const ada = await create('ada@example.com', { firstName: 'Ada' });
      expect(ada.firstName).toBe('Ada');
      expect((await repo().get(ada.id))?.firstName).toBe('Ada');
      await repo().update(ada, { firstName: 'Augusta' });
      expect((await repo().getByEmail('ada@example.com'))?.firstName).toBe('Augusta');
    });
  });
}

async function afterTicks<T>(ticks: number, run: () => Promise<T>): Promise<T> {
  for (let i = 0; i < ticks; i++) await null;
  return run();
}

/** Distinct upper/lower-case spellings of one address, chosen by the bits of `seed`. */
function mixCase(email: string, seed: number): string {
  let bit = 0;
  return [...email].map((char) => (/[a-z]/.test(char) && (seed >> (bit++ % 16)) & 1 ? char.toUpperCase() : char)).join('');
}
