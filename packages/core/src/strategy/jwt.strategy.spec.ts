import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { describe, expect, it, vi } from 'vitest';
import { makeTestUser, userLookup } from '@nest-users/testing/jwt';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { JwtStrategy, type JwtStrategyOptions } from './jwt.strategy.js';

type TestUser = UserProtocol<string>;

const now = () => Math.floor(Date.now() / 1000);

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const AUDIENCE = 'nest-users:auth:jwt';

/** A strategy as a backend named `jwt` holds it: its default audience is `nest-users:auth:jwt`. */
function jwtStrategy(options: JwtStrategyOptions): JwtStrategy<TestUser> {
  const strategy = new JwtStrategy<TestUser>(options);
  strategy.attachToBackend('jwt');
  return strategy;
}

/** What the codec alone makes of a token: its claims, or null. */
const verify = (strategy: JwtStrategy<TestUser>, token: string) => strategy.codec.verify(token)?.claims ?? null;

/** The `pfp` claim the strategy writes for this user (a keyed fingerprint of the password hash). */
async function pfpOf(strategy: JwtStrategy<TestUser>, user: TestUser): Promise<unknown> {
  return (jsonwebtoken.decode(await strategy.writeToken(user)) as jsonwebtoken.JwtPayload).pfp;
}

async function baseSetup(options: Partial<JwtStrategyOptions> = {}) {
  const secret = randomBytes(32);
  const strategy = jwtStrategy({ secret, lifetimeSeconds: 3600, ...options });
  const alice = makeTestUser('alice@example.com');
  const bob = makeTestUser('bob@example.com');
  const users = userLookup(alice, bob);
  const pfp = await pfpOf(strategy, alice);
  /** Claims of a valid token for alice, exactly as the strategy would write them. */
  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: alice.id,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 3600,
    ...(pfp === undefined ? {} : { pfp }),
    ...extra,
  });
  /** Signs header and payload by hand (any JSON value), HMAC with `key` (the real secret by default). */
  const forge = (header: unknown, payload: unknown, key: Buffer | string = secret, hash = 'sha256') => {
    const input = `${b64json(header)}.${b64json(payload)}`;
    return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
  };
  const HS256 = { alg: 'HS256', typ: 'JWT' };
  return { secret, strategy, alice, bob, users, claims, forge, HS256 };
}

type Setup = Awaited<ReturnType<typeof baseSetup>>;

/** Signature and claims are fine, but the user check must refuse: `readToken` gives null (asked twice: a cache may answer the second). */
async function expectRejectedAfterLookup({ strategy, users }: Setup, token: string) {
  await expect(strategy.readToken(token, users)).resolves.toBeNull();
  await expect(strategy.readToken(token, users)).resolves.toBeNull();
}

/** The codec and `readToken` refuse (twice: a refusal is never remembered), without loading anyone. */
async function expectRejected({ strategy, users }: Setup, token: string) {
  expect(verify(strategy, token)).toBeNull();
  await expect(strategy.readToken(token, users)).resolves.toBeNull();
  await expect(strategy.readToken(token, users)).resolves.toBeNull();
  expect(users.get).not.toHaveBeenCalled();
}

// Every verdict must be the same with the verified-token cache on (the default) and off.
describe.each([1024, 0])('JwtStrategy (verifiedTokenCacheSize %i)', (verifiedTokenCacheSize) => {
  const setup = (options: Partial<JwtStrategyOptions> = {}) => baseSetup({ verifiedTokenCacheSize, ...options });

  describe('a token it wrote', () => {
    it('round-trips to the user, with exactly sub, aud, iat, exp, pfp and alg HS256', async () => {
      const ctx = await setup();
      const token = await ctx.strategy.writeToken(ctx.alice);

      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
      const { header, payload } = jsonwebtoken.decode(token, { complete: true }) as jsonwebtoken.Jwt;
      expect(header.alg).toBe('HS256');
      const claims = payload as jsonwebtoken.JwtPayload;
      expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'pfp', 'sub']);
      expect(claims.sub).toBe(ctx.alice.id);
      expect([claims.aud].flat()).toEqual([AUDIENCE]);
      expect(Math.abs(claims.iat! - now())).toBeLessThanOrEqual(2);
      expect(claims.exp! - claims.iat!).toBe(3600);
    });

    it('writes exactly sub, aud, iat, exp with revokeOnPasswordChange: false', async () => {
      const ctx = await setup({ revokeOnPasswordChange: false });
      const token = await ctx.strategy.writeToken(ctx.alice);
      expect(Object.keys(jsonwebtoken.decode(token) as object).sort()).toEqual(['aud', 'exp', 'iat', 'sub']);
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
    });

    it.each([
      ['HS256', undefined],
      ['HS384', undefined],
      ['HS512', 'k1'],
    ] as const)('writes %s tokens byte for byte as jsonwebtoken.sign would (kid %s)', async (algorithm, kid) => {
      vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z') });
      try {
        const secret = randomBytes(64);
        const options = kid ? { keys: [{ kid, secret }] } : { secret };
        const strategy = jwtStrategy({ ...options, algorithm, lifetimeSeconds: 900, audience: ['app'] });
        const alice = makeTestUser('alice@example.com');
        const pfp = (jsonwebtoken.decode(await strategy.writeToken(alice)) as jsonwebtoken.JwtPayload).pfp as string;
        const expected = jsonwebtoken.sign({ sub: alice.id, aud: 'app', pfp }, secret, {
          algorithm,
          expiresIn: 900,
          ...(kid ? { keyid: kid } : {}),
        });
        expect(await strategy.writeToken(alice)).toBe(expected);
      } finally {
        vi.useRealTimers();
      }
    });

    it('verifies with the secret it was given and nothing else', async () => {
      const ctx = await setup();
      const token = await ctx.strategy.writeToken(ctx.alice);
      expect(() => jsonwebtoken.verify(token, ctx.secret, { algorithms: ['HS256'] })).not.toThrow();
      expect(() => jsonwebtoken.verify(token, randomBytes(32), { algorithms: ['HS256'] })).toThrow();
    });

    it('accepts a hand-signed token with the same claims (the reference for the forgeries below)', async () => {
      const ctx = await setup();
      const token = ctx.forge(ctx.HS256, ctx.claims());
      expect(verify(ctx.strategy, token)).toMatchObject({ sub: ctx.alice.id });
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
    });

    it('tolerates an iat up to 60 s in the future (clock skew between instances)', async () => {
      const ctx = await setup();
      const token = ctx.forge(ctx.HS256, ctx.claims({ iat: now() + 30 }));
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
    });
  });

  describe('refuses (null)', () => {
    it('an expired token (exp = now - 1)', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ iat: now() - 100, exp: now() - 1 })));
    });

    it('exp as a string', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ exp: '9999999999' })));
    });

    it('a token without exp', async () => {
      const ctx = await setup();
      const { exp: _exp, ...claims } = ctx.claims();
      await expectRejected(ctx, ctx.forge(ctx.HS256, claims));
      await expectRejected(ctx, jsonwebtoken.sign({ sub: ctx.alice.id, aud: AUDIENCE }, ctx.secret));
    });

    it.each([
      ['other', 'other'],
      ['the reset audience', 'nest-users:reset'],
      ['the verify audience', 'nest-users:verify'],
      ['the fastapi-users audience', 'fastapi-users:auth'],
      ['the shared audience of nest-users before 0.2', 'nest-users:auth'],
      ["another backend's audience", 'nest-users:auth:cookie'],
      ['a list without ours', ['nest-users:reset', 'nest-users:verify']],
    ])('aud = %s', async (_label, aud) => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ aud })));
    });

    it('a token without aud', async () => {
      const ctx = await setup();
      const { aud: _aud, ...claims } = ctx.claims();
      await expectRejected(ctx, ctx.forge(ctx.HS256, claims));
    });

    it('a token signed with another secret', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims(), randomBytes(32)));
      const other = jwtStrategy({ secret: randomBytes(32), lifetimeSeconds: 3600 });
      await expectRejected(ctx, await other.writeToken(ctx.alice));
    });

    it('a tampered payload under the original signature (sub swapped)', async () => {
      const ctx = await setup();
      const [header, payload, signature] = (await ctx.strategy.writeToken(ctx.alice)).split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const swapped = b64json({ ...claims, sub: ctx.bob.id });
      await expectRejected(ctx, `${header}.${swapped}.${signature}`);
    });

    it('a signature with one bit flipped', async () => {
      const ctx = await setup();
      const [header, payload, signature] = (await ctx.strategy.writeToken(ctx.alice)).split('.');
      for (const bit of [0, 7, 255]) {
        const bytes = Buffer.from(signature!, 'base64url');
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        await expectRejected(ctx, `${header}.${payload}.${bytes.toString('base64url')}`);
      }
    });

    it('a stripped signature (h.p.)', async () => {
      const ctx = await setup();
      const [header, payload] = (await ctx.strategy.writeToken(ctx.alice)).split('.');
      await expectRejected(ctx, `${header}.${payload}.`);
      await expectRejected(ctx, `${header}.${payload}`);
    });

    describe.each(['none', 'None', 'NONE', 'nOnE'])('alg: %s', (alg) => {
      it('with an empty signature', async () => {
        const ctx = await setup();
        await expectRejected(ctx, `${b64json({ alg, typ: 'JWT' })}.${b64json(ctx.claims())}.`);
      });

      it('with a non-empty signature (HMAC of the real secret, or junk)', async () => {
        const ctx = await setup();
        await expectRejected(ctx, ctx.forge({ alg, typ: 'JWT' }, ctx.claims()));
        await expectRejected(ctx, `${b64json({ alg, typ: 'JWT' })}.${b64json(ctx.claims())}.AAAA`);
      });
    });

    it.each(['HS384', 'HS512'] as const)('%s signed with the real secret', async (algorithm) => {
      const ctx = await setup();
      await expectRejected(ctx, jsonwebtoken.sign(ctx.claims(), ctx.secret, { algorithm }));
      const hash = algorithm === 'HS384' ? 'sha384' : 'sha512';
      await expectRejected(ctx, ctx.forge({ alg: algorithm, typ: 'JWT' }, ctx.claims(), ctx.secret, hash));
    });

    it('a header without alg, or with alg not a string, even when HMAC-SHA256 signed', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge({ typ: 'JWT' }, ctx.claims()));
      await expectRejected(ctx, ctx.forge({ alg: ['HS256'], typ: 'JWT' }, ctx.claims()));
    });

    it('a validly signed token with an unknown crit extension', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge({ ...ctx.HS256, crit: ['x-foo'], 'x-foo': 1 }, ctx.claims()));
      await expectRejected(ctx, ctx.forge({ ...ctx.HS256, crit: ['b64'], b64: false }, ctx.claims()));
      await expectRejected(ctx, ctx.forge({ ...ctx.HS256, crit: [] }, ctx.claims()));
    });

    it('nbf in the future', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ nbf: now() + 3600 })));
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ nbf: String(now() - 10) })));
    });

    it('iat in the future beyond the 60 s leeway', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ iat: now() + 86_400, exp: now() + 90_000 })));
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ iat: now() + 120 })));
    });

    it('iat that is not a number', async () => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ iat: String(now()) })));
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['a number', 42],
      ['an array', ['x']],
      ['an object', { id: 'x' }],
      ['null', null],
    ])('sub %s', async (_label, sub) => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ sub })));
    });

    it.each([
      ['a string', 'x'],
      ['an array', []],
      ['a number', 1],
      ['null', null],
      ['a JSON string holding a header object', JSON.stringify({ alg: 'HS256', typ: 'JWT' })],
    ])('a header that is %s, not a JSON object', async (_label, header) => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(header, ctx.claims()));
    });

    it.each([
      ['a string', 'x'],
      ['an array', []],
      ['a number', 1],
      ['null', null],
    ])('a payload that is %s, not a JSON object', async (_label, payload) => {
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, payload));
    });

    it('a payload that is a JSON string holding the claims (RFC 7519 §7.2: the claims set must be a JSON object)', async () => {
      // jsonwebtoken's decode() JSON-parses a string payload a second time; the strategy must not follow it.
      const ctx = await setup();
      await expectRejected(ctx, ctx.forge(ctx.HS256, JSON.stringify(ctx.claims())));
    });

    it('a header or payload that is not JSON at all', async () => {
      const ctx = await setup();
      const signed = (input: string) => `${input}.${createHmac('sha256', ctx.secret).update(input).digest('base64url')}`;
      await expectRejected(ctx, signed(`${Buffer.from('{alg:HS256').toString('base64url')}.${b64json(ctx.claims())}`));
      await expectRejected(ctx, signed(`${b64json(ctx.HS256)}.${Buffer.from('not json').toString('base64url')}`));
    });

    it('2 or 4 segments', async () => {
      const ctx = await setup();
      const token = await ctx.strategy.writeToken(ctx.alice);
      const [header, payload, signature] = token.split('.');
      await expectRejected(ctx, `${header}.${payload}`);
      await expectRejected(ctx, `${token}.${signature}`);
      await expectRejected(ctx, `${header}.${header}.${payload}.${signature}`);
    });

    it.each(['', 'garbage', '...', 'a.b.c', 'Bearer x', '\u0000', 'é.é.é', 'x'.repeat(10_000)])('garbage #%#', async (token) => {
      const ctx = await setup();
      await expectRejected(ctx, token);
    });
  });

  describe('audience', () => {
    it('accepts any audience of a custom list, writes the first, and refuses the default one', async () => {
      const ctx = await setup({ audience: ['app:web', 'fastapi-users:auth'] });
      for (const aud of ['app:web', 'fastapi-users:auth', ['other', 'fastapi-users:auth']]) {
        await expect(ctx.strategy.readToken(ctx.forge(ctx.HS256, ctx.claims({ aud })), ctx.users)).resolves.toBe(ctx.alice);
      }
      const written = jsonwebtoken.decode(await ctx.strategy.writeToken(ctx.alice)) as jsonwebtoken.JwtPayload;
      expect([written.aud].flat()).toEqual(['app:web']);
      ctx.users.get.mockClear();
      await expectRejected(ctx, ctx.forge(ctx.HS256, ctx.claims({ aud: AUDIENCE })));
    });

    it('falls back to the default audience for an empty list', async () => {
      const ctx = await setup({ audience: [] });
      expect(ctx.strategy.audience).toEqual([AUDIENCE]);
      await expect(ctx.strategy.readToken(await ctx.strategy.writeToken(ctx.alice), ctx.users)).resolves.toBe(ctx.alice);
    });
  });

  describe('password binding (pfp)', () => {
    it('refuses a token issued before the password changed', async () => {
      const ctx = await setup();
      const token = await ctx.strategy.writeToken(ctx.alice);
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
      ctx.alice.hashedPassword = 'a-new-hash';
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBeNull();
      await expect(ctx.strategy.readToken(await ctx.strategy.writeToken(ctx.alice), ctx.users)).resolves.toBe(ctx.alice);
    });

    it('refuses every token of a user whose stored hash is not a string (nothing to bind a token to)', async () => {
      for (const hash of [undefined, null, 42]) {
        const ctx = await setup();
        const seen = await ctx.strategy.writeToken(ctx.alice);
        await expect(ctx.strategy.readToken(seen, ctx.users)).resolves.toBe(ctx.alice);
        const unseen = await ctx.strategy.writeToken({ ...ctx.alice, hashedPassword: 'another hash' });
        (ctx.alice as { hashedPassword: unknown }).hashedPassword = hash;
        await expect(ctx.strategy.readToken(unseen, ctx.users)).resolves.toBeNull();
        await expect(ctx.strategy.readToken(seen, ctx.users)).resolves.toBeNull();
      }
    });

    it('keys the fingerprint: it is not the hash, and differs between secrets', async () => {
      const ctx = await setup();
      const other = jwtStrategy({ secret: randomBytes(32), lifetimeSeconds: 60 });
      const pfp = await pfpOf(ctx.strategy, ctx.alice);
      expect(typeof pfp).toBe('string');
      expect(ctx.alice.hashedPassword).not.toContain(pfp as string);
      expect(await pfpOf(other, ctx.alice)).not.toBe(pfp);
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['a number', 1],
      ['an array', ['x']],
    ])('refuses a validly signed token whose pfp is %s', async (_label, pfp) => {
      const ctx = await setup();
      await expectRejectedAfterLookup(ctx, ctx.forge(ctx.HS256, ctx.claims({ pfp })));
    });

    it("refuses another user's pfp", async () => {
      const ctx = await setup();
      await expectRejectedAfterLookup(ctx, ctx.forge(ctx.HS256, ctx.claims({ pfp: await pfpOf(ctx.strategy, ctx.bob) })));
    });

    it('answers null, not an exception, for a pfp of the right length in multi-byte characters', async () => {
      // Same UTF-16 length as a real fingerprint (22), but 44 bytes: timingSafeEqual must not be reached with it.
      const ctx = await setup();
      await expectRejectedAfterLookup(ctx, ctx.forge(ctx.HS256, ctx.claims({ pfp: 'é'.repeat(22) })));
    });

    it('accepts tokens without pfp with revokeOnPasswordChange: false (fastapi-users tokens: no iat, aud list)', async () => {
      const ctx = await setup({ revokeOnPasswordChange: false, audience: ['fastapi-users:auth'] });
      const fastapi = ctx.forge(ctx.HS256, { sub: ctx.alice.id, aud: ['fastapi-users:auth'], exp: now() + 60 });
      await expect(ctx.strategy.readToken(fastapi, ctx.users)).resolves.toBe(ctx.alice);
    });
  });

  describe('readToken', () => {
    it('returns null for a malformed id without loading anyone', async () => {
      const ctx = await setup();
      const token = ctx.forge(ctx.HS256, ctx.claims({ sub: 'not-a-uuid' }));
      expect(verify(ctx.strategy, token)).toMatchObject({ sub: 'not-a-uuid' });
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBeNull();
      expect(ctx.users.get).not.toHaveBeenCalled();
    });

    it('returns null for a user that does not exist (any more)', async () => {
      const ctx = await setup();
      const token = ctx.forge(ctx.HS256, ctx.claims({ sub: randomUUID() }));
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBeNull();
      expect(ctx.users.get).toHaveBeenCalledTimes(1);
    });

    it('rethrows an error that is not a UsersAuthError (store down), so it is never taken for a bad token', async () => {
      const ctx = await setup();
      const down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
      ctx.users.get.mockRejectedValueOnce(down);
      await expect(ctx.strategy.readToken(await ctx.strategy.writeToken(ctx.alice), ctx.users)).rejects.toBe(down);
    });

    it('destroyToken is not supported (stateless)', async () => {
      const ctx = await setup();
      await expect(ctx.strategy.destroyToken()).rejects.toMatchObject({ name: 'StrategyDestroyNotSupportedError' });
    });
  });

  it.each([-1, 1.5, Number.NaN])('refuses verifiedTokenCacheSize %s at startup', (size) => {
    expect(() => jwtStrategy({ secret: randomBytes(32), lifetimeSeconds: 60, verifiedTokenCacheSize: size })).toThrow(
      UsersAuthConfigurationError,
    );
  });

  describe('configuration', () => {
    const base = { lifetimeSeconds: 3600 };

    it.each([
      ['31 bytes', 'x'.repeat(31)],
      ['31 bytes (Buffer)', randomBytes(31)],
      ['undefined', undefined],
      ['empty', ''],
      ['null', null],
      ['a number', 1234567890123456],
    ])('refuses a secret that is %s, naming the backend and saying how to make one', (_label, secret) => {
      const build = () => new JwtAuthentication({ ...base, name: 'mobile', secret: secret as never });
      expect(build).toThrow(UsersAuthConfigurationError);
      expect(build).toThrow(/"mobile"/);
      expect(build).toThrow(/randomBytes\(32\)/);
    });

    it('refuses a 31-byte secret KeyObject', () => {
      expect(() => jwtStrategy({ ...base, secret: createSecretKey(randomBytes(31)) })).toThrow(UsersAuthConfigurationError);
    });

    it('counts bytes, not characters', () => {
      expect(() => jwtStrategy({ ...base, secret: 'é'.repeat(16) })).not.toThrow();
      expect(() => jwtStrategy({ ...base, secret: 'é'.repeat(15) + 'x' })).toThrow(UsersAuthConfigurationError);
    });

    it.each([
      ['a 32-byte string', 'k'.repeat(32)],
      ['a 32-byte Buffer', randomBytes(32)],
      ['a 32-byte secret KeyObject', createSecretKey(randomBytes(32))],
    ])('accepts %s, and tokens round-trip', async (_label, secret) => {
      const strategy = jwtStrategy({ ...base, secret: secret as string | Buffer | KeyObject });
      const alice = makeTestUser('a@example.com');
      await expect(strategy.readToken(await strategy.writeToken(alice), userLookup(alice))).resolves.toBe(alice);
    });

    it('a string and a Buffer of the same bytes are the same key', async () => {
      const text = 'k'.repeat(40);
      const alice = makeTestUser('a@example.com');
      const token = await jwtStrategy({ ...base, secret: text }).writeToken(alice);
      const other = jwtStrategy({ ...base, secret: Buffer.from(text) });
      await expect(other.readToken(token, userLookup(alice))).resolves.toBe(alice);
    });

    it('refuses RSA public and private KeyObjects', () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      for (const secret of [publicKey, privateKey]) {
        const build = () => new JwtAuthentication({ ...base, name: 'rsa', secret });
        expect(build).toThrow(UsersAuthConfigurationError);
        expect(build).toThrow(/"rsa"/);
      }
    });

    it.each([
      ['SPKI PEM', (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string],
      ['PKCS#1 PEM', (key: KeyObject) => key.export({ type: 'pkcs1', format: 'pem' }) as string],
      ['PEM after a newline', (key: KeyObject) => `\n${key.export({ type: 'spki', format: 'pem' }) as string}`],
      ['JWK JSON', (key: KeyObject) => JSON.stringify(key.export({ format: 'jwk' }))],
    ])('refuses a public key (%s) as an HMAC secret: whoever holds it could sign', (_label, text) => {
      // The configuration twin of algorithm confusion: HS256 keyed with a public key is forgeable by anyone.
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const build = () => new JwtAuthentication({ ...base, name: 'pem', secret: text(publicKey) });
      expect(build).toThrow(UsersAuthConfigurationError);
      expect(build).toThrow(/"pem".*PEM, OpenSSH or JWK key.*algorithm 'RS256'/);
      expect(() => jwtStrategy({ ...base, secret: Buffer.from(text(publicKey)) })).toThrow(/PEM, OpenSSH or JWK/);
    });

    it('refuses an OpenSSH public key as an HMAC secret', () => {
      const ssh = `ssh-ed25519 ${randomBytes(51).toString('base64')} me@host`;
      expect(() => jwtStrategy({ ...base, secret: ssh })).toThrow(/PEM, OpenSSH or JWK/);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3600', undefined])(
      'refuses lifetimeSeconds %s',
      (lifetimeSeconds) => {
        const build = () => new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: lifetimeSeconds as number });
        expect(build).toThrow(UsersAuthConfigurationError);
        expect(build).toThrow(/lifetimeSeconds/);
      },
    );

    it.each(['none', 'hs256', 'RS384', 'PS256', 'ES512', 'Ed25519', ''])(
      'refuses algorithm %j, listing the supported ones',
      (algorithm) => {
        const build = () => jwtStrategy({ ...base, secret: randomBytes(64), algorithm: algorithm as never });
        expect(build).toThrow(UsersAuthConfigurationError);
        expect(build).toThrow(/HS256, HS384, HS512, RS256, ES256, EdDSA/);
      },
    );

    it.each(['RS256', 'ES256', 'EdDSA'] as const)('refuses %s with a secret, saying to pass a key pair', (algorithm) => {
      expect(() => jwtStrategy({ ...base, secret: randomBytes(64), algorithm })).toThrow(/key pair.*keys: \[\{ kid/);
    });

    it('sizes the minimum secret to the pinned algorithm', async () => {
      expect(() => jwtStrategy({ ...base, secret: randomBytes(63), algorithm: 'HS512' })).toThrow(/randomBytes\(64\)/);
      const strategy = jwtStrategy({ ...base, secret: randomBytes(64), algorithm: 'HS512' });
      const alice = makeTestUser('a@example.com');
      const token = await strategy.writeToken(alice);
      expect((jsonwebtoken.decode(token, { complete: true }) as jsonwebtoken.Jwt).header.alg).toBe('HS512');
      await expect(strategy.readToken(token, userLookup(alice))).resolves.toBe(alice);
    });
  });
});
