import { createPublicKey, hkdfSync, randomBytes, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import {
  b64json,
  forgeHmac,
  forgeSigned,
  now,
  PRIVATE_JWK_MEMBERS,
  publicKeyAsSecrets,
  testKeyPair,
  withSignature,
  type AsymmetricAlgorithm,
  makeTestUser,
  userLookup,
} from '@nest-users/testing/jwt';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { UserTokens } from '../manager/user-tokens.js';
import { JwtStrategy, type JwtStrategyOptions } from './jwt.strategy.js';

type TestUser = UserProtocol<string>;
const ALGORITHMS: AsymmetricAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
const fingerprintSecret = randomBytes(32);
const AUDIENCE = 'nest-users:auth:jwt';

/** A strategy as a backend named `jwt` holds it: its default audience is `nest-users:auth:jwt`. */
function jwtStrategy(options: JwtStrategyOptions): JwtStrategy<TestUser> {
  const strategy = new JwtStrategy<TestUser>(options);
  strategy.attachToBackend('jwt');
  return strategy;
}

/**
 * A backend mid-rotation: key `b` signs, key `a` (public part only) still verifies. `old` is how the backend was
 * configured before the rotation (key `a` signing), with the same fingerprint secret.
 */
function baseSetup(algorithm: AsymmetricAlgorithm, options: Partial<JwtStrategyOptions> = {}) {
  const a = testKeyPair(algorithm, 'a');
  const b = testKeyPair(algorithm, 'b');
  const base = { algorithm, lifetimeSeconds: 3600, fingerprintSecret };
  const strategy = jwtStrategy({
    ...base,
    keys: [
      { kid: 'b', privateKey: b.privateKey },
      { kid: 'a', publicKey: a.publicKey },
    ],
    ...options,
  });
  const old = jwtStrategy({ ...base, keys: [{ kid: 'a', privateKey: a.privateKey }] });
  const alice = makeTestUser('alice@example.com');
  const bob = makeTestUser('bob@example.com');
  const users = userLookup(alice, bob);
  const pfpOf = async (user: TestUser, by = strategy) =>
    (jsonwebtoken.decode(await by.writeToken(user)) as jsonwebtoken.JwtPayload).pfp;
  const claims = async (extra: Record<string, unknown> = {}) => ({
    sub: alice.id,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 3600,
    pfp: await pfpOf(alice),
    ...extra,
  });
  const header = (extra: Record<string, unknown> = {}) => ({ alg: algorithm, typ: 'JWT', kid: 'b', ...extra });
  /** Signed by hand with key b (or `key`), any header and payload. */
  const sign = (head: Record<string, unknown>, payload: unknown, key: KeyObject = b.privateKey, alg?: string) =>
    forgeSigned(head, payload, key, alg);
  return { algorithm, a, b, strategy, old, alice, bob, users, claims, header, sign, pfpOf };
}
type Setup = ReturnType<typeof baseSetup>;

/** The codec and `readToken` refuse (twice: a refusal is never remembered), without loading anyone. */
async function expectRejected({ strategy, users }: Setup, token: string) {
  expect(strategy.codec.verify(token)).toBeNull();
  await expect(strategy.readToken(token, users)).resolves.toBeNull();
  await expect(strategy.readToken(token, users)).resolves.toBeNull();
  expect(users.get).not.toHaveBeenCalled();
}

// Every verdict must be the same with the verified-token cache on (the default) and off.
const CASES = ALGORITHMS.flatMap((algorithm) => [1024, 0].map((size) => [algorithm, size] as const));
describe.each(CASES)('JwtStrategy with %s (verifiedTokenCacheSize %i)', (algorithm, verifiedTokenCacheSize) => {
  const setup = (alg: AsymmetricAlgorithm, options: Partial<JwtStrategyOptions> = {}) =>
    baseSetup(alg, { verifiedTokenCacheSize, ...options });
  describe('a token it wrote', () => {
    it('carries alg and the kid of the signing key, exactly sub, aud, iat, exp, pfp, and round-trips', async () => {
      const ctx = setup(algorithm);
      const token = await ctx.strategy.writeToken(ctx.alice);
      const { header, payload } = jsonwebtoken.decode(token, { complete: true }) as jsonwebtoken.Jwt;
      expect(header).toEqual({ alg: algorithm, typ: 'JWT', kid: 'b' });
      expect(Object.keys(payload as object).sort()).toEqual(['aud', 'exp', 'iat', 'pfp', 'sub']);
      const claims = payload as jsonwebtoken.JwtPayload;
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(Math.abs(claims.iat! - now())).toBeLessThanOrEqual(2);
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
      expect(ctx.strategy.signingKid).toBe('b');
    });

    it('is verifiable by anyone holding the public key as published in the JWKS (and only with it)', async () => {
      const ctx = setup(algorithm);
      const token = await ctx.strategy.writeToken(ctx.alice);
      const [h, p, s] = token.split('.') as [string, string, string];
      const jwk = ctx.strategy.publicJwks().find((key) => key.kid === 'b')!;
      const publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
      const check = (key: KeyObject) =>
        cryptoVerify(
          algorithm === 'EdDSA' ? null : 'sha256',
          Buffer.from(`${h}.${p}`),
          algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
          Buffer.from(s, 'base64url'),
        );
      expect(check(publicKey)).toBe(true);
      expect(check(ctx.a.publicKey)).toBe(false);
    });

    it('accepts a hand-signed token with the same claims (the reference for the forgeries below)', async () => {
      const ctx = setup(algorithm);
      await expect(ctx.strategy.readToken(ctx.sign(ctx.header(), await ctx.claims()), ctx.users)).resolves.toBe(ctx.alice);
    });

    it('writes no pfp with revokeOnPasswordChange: false, and then needs no fingerprintSecret', async () => {
      const ctx = setup(algorithm, { revokeOnPasswordChange: false, fingerprintSecret: undefined });
      const token = await ctx.strategy.writeToken(ctx.alice);
      expect(Object.keys(jsonwebtoken.decode(token) as object).sort()).toEqual(['aud', 'exp', 'iat', 'sub']);
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
    });
  });

  describe('key rotation', () => {
    it('accepts a token of the previous signing key while that key is listed for verification', async () => {
      const ctx = setup(algorithm);
      const before = await ctx.old.writeToken(ctx.alice);
      expect((jsonwebtoken.decode(before, { complete: true }) as jsonwebtoken.Jwt).header.kid).toBe('a');
      await expect(ctx.strategy.readToken(before, ctx.users)).resolves.toBe(ctx.alice);
      // …and the new key signs from now on.
      expect(
        (jsonwebtoken.decode(await ctx.strategy.writeToken(ctx.alice), { complete: true }) as jsonwebtoken.Jwt).header.kid,
      ).toBe('b');
    });

    it('refuses it once the old key is removed from the list', async () => {
      const ctx = setup(algorithm, { keys: [{ kid: 'b', privateKey: testKeyPair(algorithm, 'b').privateKey }] });
      await expectRejected(ctx, await ctx.old.writeToken(ctx.alice));
      await expect(ctx.strategy.readToken(await ctx.strategy.writeToken(ctx.alice), ctx.users)).resolves.toBe(ctx.alice);
    });

    it('refuses a token whose kid names another listed key than the one that signed it', async () => {
      const ctx = setup(algorithm);
      await expectRejected(ctx, ctx.sign(ctx.header({ kid: 'a' }), await ctx.claims()));
      await expectRejected(ctx, ctx.sign(ctx.header({ kid: 'b' }), await ctx.claims(), ctx.a.privateKey));
    });

    it('keeps password fingerprints valid across the rotation (fingerprintSecret, not the signing key, keys them)', async () => {
      const ctx = setup(algorithm);
      expect(await ctx.pfpOf(ctx.alice, ctx.old)).toBe(await ctx.pfpOf(ctx.alice));
    });

    it('signs with signingKid when given, even if another key comes first', async () => {
      const ctx = setup(algorithm, {
        keys: [
          { kid: 'a', privateKey: testKeyPair(algorithm, 'a').privateKey },
          { kid: 'b', privateKey: testKeyPair(algorithm, 'b').privateKey },
        ],
        signingKid: 'b',
      });
      const token = await ctx.strategy.writeToken(ctx.alice);
      expect((jsonwebtoken.decode(token, { complete: true }) as jsonwebtoken.Jwt).header.kid).toBe('b');
      await expect(ctx.strategy.readToken(await ctx.old.writeToken(ctx.alice), ctx.users)).resolves.toBe(ctx.alice);
    });

    it('signs with the first key holding a private key by default', async () => {
      const ctx = setup(algorithm, {
        keys: [
          { kid: 'a', publicKey: testKeyPair(algorithm, 'a').publicKey },
          { kid: 'b', privateKey: testKeyPair(algorithm, 'b').privateKey },
        ],
      });
      expect(ctx.strategy.signingKid).toBe('b');
    });
  });

  describe('kid', () => {
    it('is required when several keys are configured', async () => {
      const ctx = setup(algorithm);
      const { kid: _kid, ...header } = ctx.header();
      await expectRejected(ctx, ctx.sign(header, await ctx.claims()));
    });

    it('may be absent when there is exactly one key', async () => {
      const ctx = setup(algorithm, { keys: [{ kid: 'b', privateKey: testKeyPair(algorithm, 'b').privateKey }] });
      const { kid: _kid, ...header } = ctx.header();
      await expect(ctx.strategy.readToken(ctx.sign(header, await ctx.claims()), ctx.users)).resolves.toBe(ctx.alice);
    });

    it.each([
      ['unknown', 'c'],
      ['a path', '../../../../dev/null'],
      ['SQL', "' OR 1=1--"],
      ['a URL', 'https://attacker.example/key.pem'],
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
      ['toString', 'toString'],
      ['10 kB long', 'b'.repeat(10_000)],
      ['the right kid with a NUL', 'b\u0000'],
      ['a number', 1],
      ['an array', ['b']],
      ['an object', { kid: 'b' }],
      ['null', null],
      ['empty', ''],
    ])('refuses a kid that is %s, even validly signed', async (_label, kid) => {
      const ctx = setup(algorithm);
      await expectRejected(ctx, ctx.sign(ctx.header({ kid }), await ctx.claims()));
    });
  });

  describe('headers that point at keys elsewhere are refused, never followed (RFC 8725 §3.10)', () => {
    it.each([
      ['jku', { jku: 'http://127.0.0.1:1/jwks.json' }],
      ['x5u', { x5u: 'http://127.0.0.1:1/cert.pem' }],
      ['x5c', { x5c: ['MIIB'] }],
      ['x5t', { x5t: 'AAAA' }],
      ['x5t#S256', { 'x5t#S256': 'AAAA' }],
    ])('%s on a token signed with the real key', async (_label, extra) => {
      const ctx = setup(algorithm);
      await expectRejected(ctx, ctx.sign(ctx.header(extra), await ctx.claims()));
    });

    it('an embedded jwk: the attacker key, or even our own public key', async () => {
      const ctx = setup(algorithm);
      const attacker = testKeyPair(algorithm, 'attacker');
      const claims = await ctx.claims();
      const { kid: _kid, ...header } = ctx.header();
      await expectRejected(
        ctx,
        ctx.sign({ ...header, jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims, attacker.privateKey),
      );
      await expectRejected(ctx, ctx.sign(ctx.header({ jwk: ctx.b.publicKey.export({ format: 'jwk' }) }), claims));
    });

    it('a token signed by an unknown key pair under our kid', async () => {
      const ctx = setup(algorithm);
      await expectRejected(ctx, ctx.sign(ctx.header(), await ctx.claims(), testKeyPair(algorithm, 'attacker').privateKey));
    });
  });

  describe('algorithm confusion (CVE-2022-23541, CVE-2023-48223, CVE-2022-29217)', () => {
    const variants = publicKeyAsSecrets(testKeyPair(algorithm, 'b').publicKey);

    it.each(variants)(
      'refuses HS256/HS384/HS512 HMAC-ed with the public key as %s, with and without kid',
      async (_label, secret) => {
        const ctx = setup(algorithm);
        const claims = await ctx.claims();
        for (const [alg, hash] of [
          ['HS256', 'sha256'],
          ['HS384', 'sha384'],
          ['HS512', 'sha512'],
        ] as const) {
          await expectRejected(ctx, forgeHmac({ alg, typ: 'JWT', kid: 'b' }, claims, secret, hash));
          await expectRejected(ctx, forgeHmac({ alg, typ: 'JWT' }, claims, secret, hash));
        }
      },
    );

    it('refuses HS256 HMAC-ed with the published JWK (kid, alg, use included)', async () => {
      const ctx = setup(algorithm);
      const published = JSON.stringify(ctx.strategy.publicJwks()[0]);
      await expectRejected(ctx, forgeHmac({ alg: 'HS256', typ: 'JWT', kid: 'b' }, await ctx.claims(), published));
    });

    it.each(['none', 'None', 'NONE', ''])('refuses alg %j, with an empty or a real signature', async (alg) => {
      const ctx = setup(algorithm);
      const claims = await ctx.claims();
      await expectRejected(ctx, `${b64json({ alg, typ: 'JWT', kid: 'b' })}.${b64json(claims)}.`);
      const real = ctx.sign(ctx.header(), claims).split('.')[2]!;
      await expectRejected(ctx, `${b64json({ alg, typ: 'JWT', kid: 'b' })}.${b64json(claims)}.${real}`);
    });

    it('refuses other algorithms of the same key family, validly signed with the real key', async () => {
      const ctx = setup(algorithm);
      const claims = await ctx.claims();
      const others = { RS256: ['RS384', 'RS512', 'PS256', 'PS384'], ES256: ['ES384', 'ES512'], EdDSA: ['Ed25519'] }[algorithm];
      for (const alg of others) await expectRejected(ctx, ctx.sign(ctx.header({ alg }), claims, ctx.b.privateKey, alg));
    });

    it('refuses a header without alg, or with alg not a string', async () => {
      const ctx = setup(algorithm);
      const claims = await ctx.claims();
      const { alg: _alg, ...header } = ctx.header();
      await expectRejected(ctx, ctx.sign(header, claims, ctx.b.privateKey, algorithm));
      await expectRejected(ctx, ctx.sign(ctx.header({ alg: [algorithm] }), claims, ctx.b.privateKey, algorithm));
    });
  });

  describe('signatures', () => {
    it('refuses an all-zero signature (ES256: the r = s = 0 "psychic signature", CVE-2022-21449)', async () => {
      const ctx = setup(algorithm);
      const claims = await ctx.claims();
      const length = { RS256: 256, ES256: 64, EdDSA: 64 }[algorithm];
      await expectRejected(ctx, withSignature(ctx.header(), claims, Buffer.alloc(length)));
      await expectRejected(ctx, withSignature(ctx.header(), claims, Buffer.alloc(1)));
    });

    it('refuses a signature with one bit flipped, truncated, or extended', async () => {
      const ctx = setup(algorithm);
      const [h, p, s] = ctx.sign(ctx.header(), await ctx.claims()).split('.') as [string, string, string];
      const bytes = Buffer.from(s, 'base64url');
      for (const bit of [0, 9, bytes.length * 8 - 1]) {
        const flipped = Buffer.from(bytes);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        await expectRejected(ctx, `${h}.${p}.${flipped.toString('base64url')}`);
      }
      await expectRejected(ctx, `${h}.${p}.${bytes.subarray(0, -1).toString('base64url')}`);
      await expectRejected(ctx, `${h}.${p}.${Buffer.concat([bytes, Buffer.alloc(1)]).toString('base64url')}`);
    });

    it('refuses a second spelling of a valid signature (non-zero base64url padding bits)', async () => {
      const ctx = setup(algorithm);
      const token = ctx.sign(ctx.header(), await ctx.claims());
      const last = token.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twin = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
      expect(Buffer.from(twin.split('.')[2]!, 'base64url').equals(Buffer.from(token.split('.')[2]!, 'base64url'))).toBe(true);
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
      ctx.users.get.mockClear();
      await expectRejected(ctx, twin);
    });

    it('refuses a tampered payload under the original signature', async () => {
      const ctx = setup(algorithm);
      const [h, , s] = (await ctx.strategy.writeToken(ctx.alice)).split('.');
      await expectRejected(ctx, `${h}.${b64json(await ctx.claims({ sub: ctx.bob.id }))}.${s}`);
    });

    if (algorithm === 'ES256') {
      it('refuses a DER-encoded ECDSA signature (JWS uses r‖s)', async () => {
        const ctx = setup(algorithm);
        const claims = await ctx.claims();
        const input = `${b64json(ctx.header())}.${b64json(claims)}`;
        const { sign } = await import('node:crypto');
        const der = sign('sha256', Buffer.from(input), ctx.b.privateKey);
        await expectRejected(ctx, `${input}.${der.toString('base64url')}`);
        // r = s = 0 in DER too.
        await expectRejected(ctx, `${input}.${Buffer.from([0x30, 6, 2, 1, 0, 2, 1, 0]).toString('base64url')}`);
      });
    }
  });

  describe('claims and structure (the same rules as HS256)', () => {
    it.each([
      ['expired', { iat: now() - 100, exp: now() - 1 }],
      ['exp as a string', { exp: String(now() + 60) }],
      ['nbf in the future', { nbf: now() + 3600 }],
      ['nbf as a string', { nbf: String(now() - 10) }],
      ['iat beyond the 60 s leeway', { iat: now() + 120 }],
      ['iat as a string', { iat: String(now()) }],
      ['another audience', { aud: 'nest-users:reset' }],
      ['an audience list without ours', { aud: ['nest-users:verify', 'other'] }],
      ['an audience that is not a string', { aud: 1 }],
      ['sub empty', { sub: '' }],
      ['sub a number', { sub: 1 }],
    ])('refuses %s', async (_label, extra) => {
      const ctx = setup(algorithm);
      await expectRejected(ctx, ctx.sign(ctx.header(), await ctx.claims(extra)));
    });

    it.each(['exp', 'aud', 'sub'])('refuses a token without %s', async (claim) => {
      const ctx = setup(algorithm);
      const claims: Record<string, unknown> = await ctx.claims();
      delete claims[claim];
      await expectRejected(ctx, ctx.sign(ctx.header(), claims));
    });

    it('accepts iat up to 60 s ahead, an audience list holding ours, and nbf in the past', async () => {
      const ctx = setup(algorithm);
      const token = ctx.sign(ctx.header(), await ctx.claims({ iat: now() + 30, aud: ['other', AUDIENCE], nbf: now() - 5 }));
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
    });

    it.each([
      ['a string', 'x'],
      ['an array', []],
      ['null', null],
      ['a JSON string holding the claims', 'CLAIMS'],
    ])('refuses a payload that is %s', async (_label, payload) => {
      const ctx = setup(algorithm);
      const value = payload === 'CLAIMS' ? JSON.stringify(await ctx.claims()) : payload;
      await expectRejected(ctx, ctx.sign(ctx.header(), value));
    });

    it('refuses a header that is not a JSON object', async () => {
      const ctx = setup(algorithm);
      const claims = await ctx.claims();
      const input = `${Buffer.from(JSON.stringify(JSON.stringify(ctx.header()))).toString('base64url')}.${b64json(claims)}`;
      const valid = ctx.sign(ctx.header(), claims).split('.')[2];
      await expectRejected(ctx, `${input}.${valid}`);
    });

    it('refuses a validly signed token with crit', async () => {
      const ctx = setup(algorithm);
      await expectRejected(ctx, ctx.sign(ctx.header({ crit: ['x-foo'], 'x-foo': 1 }), await ctx.claims()));
      await expectRejected(ctx, ctx.sign(ctx.header({ crit: ['b64'], b64: false }), await ctx.claims()));
    });

    it.each(['', 'garbage', 'a.b.c', 'eyJ.eyJ.', 'x'.repeat(10_000)])('refuses garbage #%#', async (token) => {
      await expectRejected(setup(algorithm), token);
    });

    it('refuses 2 or 4 segments', async () => {
      const ctx = setup(algorithm);
      const token = await ctx.strategy.writeToken(ctx.alice);
      const [h, p, s] = token.split('.');
      await expectRejected(ctx, `${h}.${p}`);
      await expectRejected(ctx, `${token}.${s}`);
    });
  });

  describe('password binding (pfp keyed by fingerprintSecret)', () => {
    it('refuses a token issued before the password changed', async () => {
      const ctx = setup(algorithm);
      const token = await ctx.strategy.writeToken(ctx.alice);
      ctx.alice.hashedPassword = 'a-new-hash';
      await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBeNull();
      await expect(ctx.strategy.readToken(await ctx.strategy.writeToken(ctx.alice), ctx.users)).resolves.toBe(ctx.alice);
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['a number', 1],
    ])('refuses a validly signed token whose pfp is %s', async (_label, pfp) => {
      const ctx = setup(algorithm);
      await expect(ctx.strategy.readToken(ctx.sign(ctx.header(), await ctx.claims({ pfp })), ctx.users)).resolves.toBeNull();
    });

    it('differs with another fingerprintSecret, and is not derived from the signing key', async () => {
      const ctx = setup(algorithm);
      const other = setup(algorithm, { fingerprintSecret: randomBytes(32) });
      expect(await ctx.pfpOf(ctx.alice)).not.toBe(await other.pfpOf(ctx.alice, other.strategy));
    });

    it('a verify-only instance (public keys + fingerprintSecret) accepts the issuer tokens and checks their pfp', async () => {
      const ctx = setup(algorithm);
      const verifier = jwtStrategy({
        algorithm,
        lifetimeSeconds: 3600,
        fingerprintSecret,
        verifyOnly: true,
        keys: [
          { kid: 'b', publicKey: ctx.b.publicKey },
          { kid: 'a', publicKey: ctx.a.publicKey },
        ],
      });
      const token = await ctx.strategy.writeToken(ctx.alice);
      await expect(verifier.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
      await expect(verifier.readToken(await ctx.old.writeToken(ctx.alice), ctx.users)).resolves.toBe(ctx.alice);
      await expect(verifier.writeToken(ctx.alice)).rejects.toThrow(/verifyOnly/);
      expect(() => verifier.key).toThrow(UsersAuthConfigurationError);
      expect(verifier.signingKid).toBeUndefined();
      expect(verifier.publicJwks().map((key) => key.kid)).toEqual(['b', 'a']);
      ctx.alice.hashedPassword = 'changed';
      await expect(verifier.readToken(token, ctx.users)).resolves.toBeNull();
    });
  });

  describe('publicJwks', () => {
    it('lists every verification key, public members only, with kid, alg and use', () => {
      const ctx = setup(algorithm);
      const jwks = ctx.strategy.publicJwks();
      expect(jwks.map((key) => key.kid)).toEqual(['b', 'a']);
      const members = {
        RS256: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
        ES256: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
        EdDSA: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
      }[algorithm];
      for (const jwk of jwks) {
        expect(Object.keys(jwk).sort()).toEqual(members);
        expect(jwk).toMatchObject({ alg: algorithm, use: 'sig', kty: { RS256: 'RSA', ES256: 'EC', EdDSA: 'OKP' }[algorithm] });
        for (const secret of PRIVATE_JWK_MEMBERS) expect(jwk).not.toHaveProperty(secret);
      }
      expect(jwks[0]).toMatchObject(ctx.b.publicKey.export({ format: 'jwk' }));
      expect(jwks[1]).toMatchObject(ctx.a.publicKey.export({ format: 'jwk' }));
    });

    it('returns copies: changing one changes nothing', () => {
      const ctx = setup(algorithm);
      ctx.strategy.publicJwks()[0]!.kid = 'changed';
      expect(ctx.strategy.publicJwks()[0]!.kid).toBe('b');
    });
  });

  describe('deriveSecret (verify and reset token keys)', () => {
    it('derives from fingerprintSecret: stable across signing-key rotation, distinct per purpose', () => {
      const ctx = setup(algorithm);
      const key = ctx.strategy.deriveSecret('nest-users:reset')!;
      expect(key.equals(ctx.old.deriveSecret('nest-users:reset')!)).toBe(true);
      expect(key.equals(ctx.strategy.deriveSecret('nest-users:verify')!)).toBe(false);
      const expected = Buffer.from(hkdfSync('sha256', fingerprintSecret, Buffer.alloc(0), 'nest-users:reset', 32));
      expect(key.export().equals(expected)).toBe(true);
    });

    it('without fingerprintSecret, derives from the private signing key, whatever its PEM encoding', () => {
      const options = { algorithm, lifetimeSeconds: 60, revokeOnPasswordChange: false } as const;
      const { privateKey } = testKeyPair(algorithm, 'b');
      const fromKeyObject = jwtStrategy({ ...options, keys: [{ kid: 'b', privateKey }] });
      const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const fromPem = jwtStrategy({ ...options, keys: [{ kid: 'x', privateKey: pkcs8 }] });
      expect(fromKeyObject.deriveSecret('p')!.equals(fromPem.deriveSecret('p')!)).toBe(true);
      if (algorithm !== 'EdDSA') {
        const legacy = privateKey.export({ type: algorithm === 'RS256' ? 'pkcs1' : 'sec1', format: 'pem' }) as string;
        const fromLegacy = jwtStrategy({ ...options, keys: [{ kid: 'y', privateKey: legacy }] });
        expect(fromKeyObject.deriveSecret('p')!.equals(fromLegacy.deriveSecret('p')!)).toBe(true);
      }
      expect(fromKeyObject.deriveSecret('p')!.symmetricKeySize).toBe(32);
    });

    it('is undefined on a verify-only instance without fingerprintSecret', () => {
      const verifier = jwtStrategy({
        algorithm,
        lifetimeSeconds: 60,
        revokeOnPasswordChange: false,
        verifyOnly: true,
        keys: [{ kid: 'b', publicKey: testKeyPair(algorithm, 'b').publicKey }],
      });
      expect(verifier.deriveSecret('nest-users:reset')).toBeUndefined();
    });

    it('never hands out the fingerprint key', () => {
      expect(() => setup(algorithm).strategy.deriveSecret('nest-users:access-pfp')).toThrow(/reserved/);
    });
  });
});

describe('JwtStrategy: HMAC keys by kid', () => {
  const secrets = { old: randomBytes(32), next: randomBytes(32) };
  const base = { lifetimeSeconds: 3600 };
  const alice = makeTestUser('alice@example.com');

  it('writes the kid of the signing secret and accepts tokens of every listed secret, pfp included', async () => {
    const before = jwtStrategy({ ...base, keys: [{ kid: 'old', secret: secrets.old }] });
    const after = jwtStrategy({
      ...base,
      keys: [
        { kid: 'next', secret: secrets.next },
        { kid: 'old', secret: secrets.old },
      ],
    });
    const token = await before.writeToken(alice);
    expect((jsonwebtoken.decode(token, { complete: true }) as jsonwebtoken.Jwt).header).toEqual({
      alg: 'HS256',
      typ: 'JWT',
      kid: 'old',
    });
    await expect(after.readToken(token, userLookup(alice))).resolves.toBe(alice);
    const fresh = await after.writeToken(alice);
    expect((jsonwebtoken.decode(fresh, { complete: true }) as jsonwebtoken.Jwt).header.kid).toBe('next');
    await expect(after.readToken(fresh, userLookup(alice))).resolves.toBe(alice);
    const retired = jwtStrategy({ ...base, keys: [{ kid: 'next', secret: secrets.next }] });
    await expect(retired.readToken(token, userLookup(alice))).resolves.toBeNull();
    await expect(retired.readToken(fresh, userLookup(alice))).resolves.toBe(alice);
  });

  it('a lone secret writes no kid and refuses tokens that carry one; a one-key set accepts tokens without kid', async () => {
    const lone = jwtStrategy({ ...base, secret: secrets.old });
    const set = jwtStrategy({ ...base, keys: [{ kid: 'old', secret: secrets.old }] });
    const legacy = await lone.writeToken(alice);
    expect((jsonwebtoken.decode(legacy, { complete: true }) as jsonwebtoken.Jwt).header).toEqual({ alg: 'HS256', typ: 'JWT' });
    await expect(set.readToken(legacy, userLookup(alice))).resolves.toBe(alice);
    await expect(lone.readToken(await set.writeToken(alice), userLookup(alice))).resolves.toBeNull();
    // Same secret, same fingerprint key and same derived verify/reset keys as before keys existed.
    expect(lone.deriveSecret('nest-users:verify')!.equals(set.deriveSecret('nest-users:verify')!)).toBe(true);
  });

  it('refuses a token without kid once there are several secrets', async () => {
    const legacy = await jwtStrategy({ ...base, secret: secrets.old }).writeToken(alice);
    const set = jwtStrategy({
      ...base,
      keys: [
        { kid: 'next', secret: secrets.next },
        { kid: 'old', secret: secrets.old },
      ],
    });
    await expect(set.readToken(legacy, userLookup(alice))).resolves.toBeNull();
  });

  it('derives verify/reset keys exactly as before from a lone secret (HKDF of the secret)', () => {
    const lone = jwtStrategy({ ...base, secret: secrets.old });
    const expected = Buffer.from(hkdfSync('sha256', secrets.old, Buffer.alloc(0), 'nest-users:verify', 32));
    expect(lone.deriveSecret('nest-users:verify')!.export().equals(expected)).toBe(true);
  });

  it('publishes nothing', () => {
    expect(jwtStrategy({ ...base, keys: [{ kid: 'old', secret: secrets.old }] }).publicJwks()).toEqual([]);
    expect(jwtStrategy({ ...base, secret: secrets.old }).isAsymmetric).toBe(false);
  });
});

describe('UserTokens with asymmetric backends', () => {
  const alice = makeTestUser('alice@example.com');
  const rs = (options: Partial<JwtStrategyOptions> & { name: string }) =>
    new JwtAuthentication({
      algorithm: 'RS256',
      lifetimeSeconds: 60,
      keys: [{ kid: 'k', privateKey: testKeyPair('RS256', 'b').privateKey }],
      ...options,
    });

  it('derives the verify and reset keys from the first backend holding a secret', () => {
    const tokens = new UserTokens({ backends: [rs({ name: 'rsa', fingerprintSecret })] });
    const verify = tokens.createVerifyToken(alice);
    expect(tokens.readVerifyToken(verify)).toEqual({ sub: alice.id, email: alice.email, sfp: expect.any(String) });
    const key = Buffer.from(hkdfSync('sha256', fingerprintSecret, Buffer.alloc(0), 'nest-users:verify', 32));
    expect(() => jsonwebtoken.verify(verify, key, { algorithms: ['HS256'] })).not.toThrow();
    const reset = tokens.createResetToken(alice);
    expect(tokens.readResetToken(reset)?.sub).toBe(alice.id);
    expect(tokens.readVerifyToken(reset)).toBeNull();
  });

  it('skips a verify-only backend without secret and uses the next one', () => {
    const verifier = rs({
      name: 'verifier',
      revokeOnPasswordChange: false,
      verifyOnly: true,
      keys: [{ kid: 'k', publicKey: testKeyPair('RS256', 'b').publicKey }],
    });
    const secret = randomBytes(32);
    const tokens = new UserTokens({ backends: [verifier, new JwtAuthentication({ name: 'jwt', secret, lifetimeSeconds: 60 })] });
    const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nest-users:reset', 32));
    expect(() => jsonwebtoken.verify(tokens.createResetToken(alice), key, { algorithms: ['HS256'] })).not.toThrow();
    expect(() => new UserTokens({ backends: [verifier] })).toThrow(/verifyToken\.secret/);
  });
});
