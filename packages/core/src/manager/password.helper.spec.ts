import { hash, type Options } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { HashingCapacityError } from './concurrency-limiter.js';
import { Argon2PasswordHelper, defaultHashConcurrency, type Argon2Parameters } from './password.helper.js';

// The ambient const enum of @node-rs/argon2 cannot be read under isolatedModules.
const ARGON2D = 0 as unknown as NonNullable<Options['algorithm']>;
const ARGON2I = 1 as unknown as NonNullable<Options['algorithm']>;
const ARGON2ID = 2 as unknown as NonNullable<Options['algorithm']>;

/** Cheap parameters, for the tests that do not assert parameters. */
const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

function setup(parameters = FAST) {
  return { helper: new Argon2PasswordHelper(parameters) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

describe('Argon2PasswordHelper', () => {
  describe('hash', () => {
    it("uses argon2id with OWASP's minimum parameters by default", async () => {
      const stored = await new Argon2PasswordHelper().hash('correct horse battery staple');
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    });

    it('uses the configured parameters', async () => {
      const stored = await new Argon2PasswordHelper({ memoryCost: 2048, timeCost: 3, parallelism: 2 }).hash('password123');
      expect(stored).toMatch(/^\$argon2id\$v=19\$m=2048,t=3,p=2\$/);
    });

    it('salts every hash', async () => {
      const { helper } = setup();
      const [a, b] = await Promise.all([helper.hash('same password'), helper.hash('same password')]);
      expect(a).not.toBe(b);
    });
  });

  describe('verifyAndUpdate', () => {
    it('verifies the right password, without an update for a current hash', async () => {
      const { helper } = setup();
      await expect(helper.verifyAndUpdate('password123', await helper.hash('password123'))).resolves.toEqual({ verified: true });
    });

    it('refuses a wrong password', async () => {
      const { helper } = setup();
      await expect(helper.verifyAndUpdate('password124', await helper.hash('password123'))).resolves.toEqual({ verified: false });
    });

    it('neither trims nor truncates', async () => {
      const { helper } = setup();
      const spaced = await helper.hash('  pass phrase  ');
      await expect(helper.verifyAndUpdate('pass phrase', spaced)).resolves.toEqual({ verified: false });
      await expect(helper.verifyAndUpdate('  pass phrase  ', spaced)).resolves.toEqual({ verified: true });

      const long = 'p'.repeat(72) + 'suffix-one'.repeat(10);
      const stored = await helper.hash(long);
      await expect(helper.verifyAndUpdate('p'.repeat(72), stored)).resolves.toEqual({ verified: false });
      await expect(helper.verifyAndUpdate('p'.repeat(72) + 'suffix-two'.repeat(10), stored)).resolves.toEqual({
        verified: false,
      });
    });

    it('upgrades a weaker argon2id hash (m=4096, t=1) to the current parameters', async () => {
      const helper = new Argon2PasswordHelper();
      const weak = await hash('password123', { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 1, parallelism: 1 });
      const result = await helper.verifyAndUpdate('password123', weak);
      expect(result.verified).toBe(true);
      expect(result.updatedHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      await expect(helper.verifyAndUpdate('password123', result.updatedHash!)).resolves.toEqual({ verified: true });
    });

    it('rehashes a fastapi-users argon2id hash (m=65536, t=3, p=4) and argon2i / argon2d hashes', async () => {
      const { helper } = setup();
      for (const options of [
        { algorithm: ARGON2ID, memoryCost: 65_536, timeCost: 3, parallelism: 4 },
        { algorithm: ARGON2I, ...FAST },
        { algorithm: ARGON2D, ...FAST },
      ]) {
        const result = await helper.verifyAndUpdate('password123', await hash('password123', options));
        expect(result.verified).toBe(true);
        expect(result.updatedHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      }
    });

    describe('legacy bcrypt hashes (fastapi-users databases)', () => {
      it('verifies $2b$ / $2a$ / $2y$ hashes and replaces them with argon2id', async () => {
        const { helper } = setup();
        const b = await bcryptHash('password123', { cost: 4 });
        for (const stored of [b, b.replace('$2b$', '$2a$'), b.replace('$2b$', '$2y$')]) {
          const result = await helper.verifyAndUpdate('password123', stored);
          expect(result.verified).toBe(true);
          expect(result.updatedHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
          await expect(helper.verifyAndUpdate('password123', result.updatedHash!)).resolves.toEqual({ verified: true });
        }
      });

      it('refuses a wrong password', async () => {
        const { helper } = setup();
        await expect(helper.verifyAndUpdate('password124', await bcryptHash('password123', { cost: 4 }))).resolves.toEqual({
          verified: false,
        });
      });

      it('never matches on the first 72 bytes of a longer password (Okta 2024)', async () => {
        const { helper } = setup();
        const long = 'a'.repeat(72) + 'the-real-suffix';
        const stored = await bcryptHash(long, { cost: 4 });
        await expect(helper.verifyAndUpdate('a'.repeat(72) + 'attacker-suffix', stored)).resolves.toEqual({ verified: false });
        await expect(helper.verifyAndUpdate(long, stored)).resolves.toEqual({ verified: false });
        // 72 bytes of multi-byte characters are still within the limit; 73 bytes are not.
        const seventyTwo = 'é'.repeat(36);
        await expect(helper.verifyAndUpdate(seventyTwo, await bcryptHash(seventyTwo, { cost: 4 }))).resolves.toMatchObject({
          verified: true,
        });
        const seventyThree = `${seventyTwo}x`;
        await expect(helper.verifyAndUpdate(seventyThree, await bcryptHash(seventyThree, { cost: 4 }))).resolves.toEqual({
          verified: false,
        });
      });
    });

    it('never offers an update for a wrong password', async () => {
      const { helper } = setup();
      const weak = await hash('password123', { algorithm: ARGON2I, ...FAST });
      await expect(helper.verifyAndUpdate('password124', weak)).resolves.toEqual({ verified: false });
    });

    it.each([
      ['empty', ''],
      ['garbage', 'garbage'],
      ['a truncated argon2id string', '$argon2id$v=19$m=19456,t=2,p=1$'],
      ['a corrupted argon2id string', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$!!!'],
      ['a plain-text password', 'password123'],
    ])('refuses a stored hash that is %s, without throwing', async (_label, stored) => {
      const { helper } = setup();
      await expect(helper.verifyAndUpdate('password123', stored)).resolves.toEqual({ verified: false });
    });
  });

  describe('verifyDummy', () => {
    it('resolves for any password', async () => {
      const { helper } = setup();
      await expect(helper.verifyDummy('password123')).resolves.toBeUndefined();
      await expect(helper.verifyDummy('')).resolves.toBeUndefined();
    });

    it('costs about as much as verifying a real hash', async () => {
      const helper = new Argon2PasswordHelper();
      const stored = await helper.hash('password123');
      await helper.verifyDummy('warm-up');
      const dummy: number[] = [];
      const real: number[] = [];
      for (let i = 0; i < 3; i++) {
        dummy.push(await timed(() => helper.verifyDummy('wrong-password')));
        real.push(await timed(() => helper.verifyAndUpdate('wrong-password', stored)));
      }
      // Loose on purpose (CI noise): a dummy that skips the argon2 work would be orders of magnitude faster.
      expect(median(dummy)).toBeGreaterThan(median(real) * 0.3);
    });
  });

  describe('generate', () => {
    it('returns a random, URL-safe password of 256 bits', () => {
      const { helper } = setup();
      const [a, b] = [helper.generate(), helper.generate()];
      expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a).not.toBe(b);
    });
  });

  describe('hashing concurrency', () => {
    it.each([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
      [64, 4],
    ])('leaves one of %i cores to the event loop, and stays within libuv’s pool: %i at once', (cores, expected) => {
      expect(defaultHashConcurrency(cores)).toBe(expected);
    });

    /**
     * How many of `attempts` hashes started at once run (rather than being refused at once, 503): with `maxQueued: 0`
     * that is exactly the helper's concurrency.
     */
    async function runAtOnce(parameters: Argon2Parameters, attempts: number): Promise<number> {
      const helper = new Argon2PasswordHelper({ ...FAST, maxQueued: 0, ...parameters });
      const results = await Promise.allSettled(Array.from({ length: attempts }, (_, i) => helper.hash(`password ${i}`)));
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(HashingCapacityError);
      }
      return results.filter((result) => result.status === 'fulfilled').length;
    }

    it('uses that default unless maxConcurrent is given; beyond it and the queue, a hash is refused at once', async () => {
      const expected = defaultHashConcurrency(availableParallelism());
      await expect(runAtOnce({}, expected + 3)).resolves.toBe(expected);
      await expect(runAtOnce({ maxConcurrent: 7 }, 10)).resolves.toBe(7);
      await expect(runAtOnce({ maxConcurrent: 2, maxQueued: 3 }, 10)).resolves.toBe(5);
    });
  });
});
