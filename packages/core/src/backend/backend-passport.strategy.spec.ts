import { randomBytes, randomUUID } from 'node:crypto';
import type passport from 'passport';
import { Strategy as PassportJwtStrategy } from 'passport-jwt';
import { describe, expect, it } from 'vitest';
import {
  b64json,
  forgeHmac,
  forgeSigned,
  now,
  publicKeyAsSecrets,
  testKeyPair,
  withSignature,
  type AsymmetricAlgorithm,
  makeTestUser,
  userLookup,
} from '@nest-users/testing/jwt';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { createBackendPassportStrategy } from './backend-passport.strategy.js';
import { JwtAuthentication } from './jwt-authentication.js';

type TestUser = UserProtocol<string>;
type Outcome = { user: unknown } | { failed: true } | { error: unknown };

const fingerprintSecret = randomBytes(32);

/** Runs a passport strategy as passport's middleware would, on a request carrying `token` as a bearer token. */
function authenticate(strategy: passport.Strategy, token: string): Promise<Outcome> {
  return new Promise((resolve) => {
    // What passport's middleware does: a per-request object whose prototype is the strategy, with the outcomes.
    const run = Object.assign(Object.create(strategy) as passport.Strategy, {
      success: (user: unknown) => resolve({ user }),
      fail: () => resolve({ failed: true }),
      error: (error: unknown) => resolve({ error }),
      pass: () => resolve({ error: new Error('pass') }),
      redirect: () => resolve({ error: new Error('redirect') }),
    });
    run.authenticate.call(
      run as never,
      { headers: { authorization: `Bearer ${token}` }, query: { access_token: token }, body: {} } as never,
      {},
    );
  });
}

let counter = 0;

/** An RS256/ES256/EdDSA backend mid-rotation (b signs, a still verifies), registered with passport. */
function setup(algorithm: AsymmetricAlgorithm) {
  const a = testKeyPair(algorithm, 'a');
  const b = testKeyPair(algorithm, 'b');
  const name = `passport-${algorithm.toLowerCase()}-${++counter}`;
  const backend = new JwtAuthentication<TestUser>({
    name,
    algorithm,
    lifetimeSeconds: 3600,
    fingerprintSecret,
    keys: [
      { kid: 'b', privateKey: b.privateKey },
      { kid: 'a', publicKey: a.publicKey },
    ],
  });
  // The same backend as configured before the rotation (same name, so same audience).
  const previous = new JwtAuthentication<TestUser>({
    name,
    algorithm,
    lifetimeSeconds: 3600,
    fingerprintSecret,
    keys: [{ kid: 'a', privateKey: a.privateKey }],
  });
  const alice: TestUser = {
    id: randomUUID(),
    email: 'alice@example.com',
    hashedPassword: 'h1',
    isActive: true,
    isSuperuser: false,
    isVerified: true,
  };
  const inactive: TestUser = { ...alice, id: randomUUID(), email: 'off@example.com', isActive: false };
  const strategy = createBackendPassportStrategy(backend, userLookup(alice, inactive));
  const claims = async (extra: Record<string, unknown> = {}) => ({
    ...(JSON.parse(Buffer.from((await backend.strategy.writeToken(alice)).split('.')[1]!, 'base64url').toString()) as object),
    ...extra,
  });
  const header = (extra: Record<string, unknown> = {}) => ({ alg: algorithm, typ: 'JWT', kid: 'b', ...extra });
  return {
    a,
    b,
    backend,
    previous,
    alice,
    inactive,
    strategy,
    claims,
    header,
    run: (token: string) => authenticate(strategy, token),
  };
}

describe.each(['RS256', 'ES256', 'EdDSA'] as const)(
  "the passport strategy of a %s backend (AuthGuard('users-auth:<name>'))",
  (algorithm) => {
    it(
      algorithm === 'EdDSA'
        ? 'delegates to JwtStrategy (jsonwebtoken has no EdDSA)'
        : 'is passport-jwt with a kid-based key provider',
      () => {
        const { strategy } = setup(algorithm);
        expect(strategy instanceof PassportJwtStrategy).toBe(algorithm !== 'EdDSA');
      },
    );

    it('accepts a token of the signing key and one of the previous key while it is listed', async () => {
      const ctx = setup(algorithm);
      await expect(ctx.run(await ctx.backend.strategy.writeToken(ctx.alice))).resolves.toEqual({ user: ctx.alice });
      await expect(ctx.run(await ctx.previous.strategy.writeToken(ctx.alice))).resolves.toEqual({ user: ctx.alice });
    });

    it('refuses a token of a key that is no longer listed', async () => {
      const ctx = setup(algorithm);
      const retired = new JwtAuthentication<TestUser>({
        name: `retired-${++counter}`,
        algorithm,
        lifetimeSeconds: 3600,
        fingerprintSecret,
        keys: [{ kid: 'b', privateKey: ctx.b.privateKey }],
      });
      const strategy = createBackendPassportStrategy(retired, userLookup(ctx.alice));
      await expect(authenticate(strategy, await ctx.previous.strategy.writeToken(ctx.alice))).resolves.toEqual({ failed: true });
      await expect(authenticate(strategy, await retired.strategy.writeToken(ctx.alice))).resolves.toEqual({ user: ctx.alice });
    });

    it.each(publicKeyAsSecrets(testKeyPair(algorithm, 'b').publicKey))(
      'refuses HS256 HMAC-ed with the public key as %s',
      async (_label, secret) => {
        const ctx = setup(algorithm);
        const claims = await ctx.claims();
        await expect(ctx.run(forgeHmac({ alg: 'HS256', typ: 'JWT', kid: 'b' }, claims, secret))).resolves.toEqual({
          failed: true,
        });
        await expect(ctx.run(forgeHmac({ alg: 'HS256', typ: 'JWT' }, claims, secret))).resolves.toEqual({ failed: true });
      },
    );

    it('refuses alg none, unknown kid, no kid, jku/x5u/jwk, crit', async () => {
      const ctx = setup(algorithm);
      const claims = await ctx.claims();
      const { kid: _kid, ...noKid } = ctx.header();
      const refused = [
        `${b64json({ alg: 'none', typ: 'JWT', kid: 'b' })}.${b64json(claims)}.`,
        forgeSigned(ctx.header({ kid: 'c' }), claims, ctx.b.privateKey),
        forgeSigned(ctx.header({ kid: '../../../../dev/null' }), claims, ctx.b.privateKey),
        forgeSigned(noKid, claims, ctx.b.privateKey),
        forgeSigned(ctx.header({ jku: 'http://127.0.0.1:1/jwks.json' }), claims, ctx.b.privateKey),
        forgeSigned(ctx.header({ x5u: 'http://127.0.0.1:1/cert.pem' }), claims, ctx.b.privateKey),
        forgeSigned(ctx.header({ jwk: ctx.b.publicKey.export({ format: 'jwk' }) }), claims, ctx.b.privateKey),
        forgeSigned(ctx.header({ crit: ['x-foo'], 'x-foo': 1 }), claims, ctx.b.privateKey),
        forgeSigned(ctx.header(), claims, testKeyPair(algorithm, 'attacker').privateKey),
      ];
      for (const token of refused) await expect(ctx.run(token)).resolves.toEqual({ failed: true });
      // The reference: the same claims, honestly signed.
      await expect(ctx.run(forgeSigned(ctx.header(), claims, ctx.b.privateKey))).resolves.toEqual({ user: ctx.alice });
    });

    it('refuses an all-zero signature (ES256 r = s = 0)', async () => {
      const ctx = setup(algorithm);
      const length = { RS256: 256, ES256: 64, EdDSA: 64 }[algorithm];
      await expect(ctx.run(withSignature(ctx.header(), await ctx.claims(), Buffer.alloc(length)))).resolves.toEqual({
        failed: true,
      });
    });

    it('refuses an expired token, another audience, and a token issued before a password change', async () => {
      const ctx = setup(algorithm);
      await expect(ctx.run(forgeSigned(ctx.header(), await ctx.claims({ exp: now() - 1 }), ctx.b.privateKey))).resolves.toEqual({
        failed: true,
      });
      await expect(
        ctx.run(forgeSigned(ctx.header(), await ctx.claims({ aud: 'nest-users:reset' }), ctx.b.privateKey)),
      ).resolves.toEqual({
        failed: true,
      });
      const token = await ctx.backend.strategy.writeToken(ctx.alice);
      ctx.alice.hashedPassword = 'h2';
      await expect(ctx.run(token)).resolves.toEqual({ failed: true });
    });

    it('refuses an inactive user', async () => {
      const ctx = setup(algorithm);
      await expect(ctx.run(await ctx.backend.strategy.writeToken(ctx.inactive))).resolves.toEqual({ failed: true });
    });
  },
);

describe('the passport strategy of an HMAC backend with several secrets', () => {
  it('picks the secret by kid and checks the fingerprint with that key', async () => {
    const secrets = { old: randomBytes(32), next: randomBytes(32) };
    const alice: TestUser = {
      id: randomUUID(),
      email: 'a@example.com',
      hashedPassword: 'h',
      isActive: true,
      isSuperuser: false,
      isVerified: true,
    };
    const name = `hs-${++counter}`;
    const before = new JwtAuthentication<TestUser>({ name, lifetimeSeconds: 60, keys: [{ kid: 'old', secret: secrets.old }] });
    const after = new JwtAuthentication<TestUser>({
      name,
      lifetimeSeconds: 60,
      keys: [
        { kid: 'next', secret: secrets.next },
        { kid: 'old', secret: secrets.old },
      ],
    });
    const strategy = createBackendPassportStrategy(after, userLookup(alice));
    await expect(authenticate(strategy, await before.strategy.writeToken(alice))).resolves.toEqual({ user: alice });
    await expect(authenticate(strategy, await after.strategy.writeToken(alice))).resolves.toEqual({ user: alice });
    const claims = JSON.parse(Buffer.from((await before.strategy.writeToken(alice)).split('.')[1]!, 'base64url').toString());
    // Signed with the old secret but naming the new kid (and the other way round): refused.
    await expect(
      authenticate(strategy, forgeHmac({ alg: 'HS256', typ: 'JWT', kid: 'next' }, claims, secrets.old)),
    ).resolves.toEqual({ failed: true });
    await expect(authenticate(strategy, forgeHmac({ alg: 'HS256', typ: 'JWT' }, claims, secrets.old))).resolves.toEqual({
      failed: true,
    });
  });
});

/**
 * One table of tokens, good and bad, through both paths: passport (`AuthGuard('users-auth:<name>')`, passport-jwt
 * and jsonwebtoken around the codec) and the backend's own `readToken` (what `UsersAuthGuard` uses). Every verdict
 * must be the same, with the verified-token cache on and off.
 */
describe.each([
  ['HS256', 1024],
  ['HS256', 0],
  ['RS256', 1024],
  ['ES256', 0],
  ['EdDSA', 1024],
] as const)('passport and readToken agree on every token: %s, verifiedTokenCacheSize %i', (algorithm, verifiedTokenCacheSize) => {
  it('accepts the good tokens and refuses the bad ones, identically', async () => {
    const hmac = algorithm === 'HS256';
    const secret = randomBytes(32);
    const pair = hmac ? undefined : testKeyPair(algorithm, 'table');
    const signingKey = hmac ? undefined : pair!.privateKey;
    const name = `table-${++counter}`;
    const keyOptions = hmac
      ? { keys: [{ kid: 'k', secret }] }
      : { keys: [{ kid: 'k', privateKey: signingKey! }], fingerprintSecret };
    const backend = new JwtAuthentication<TestUser>({
      name,
      algorithm,
      lifetimeSeconds: 3600,
      verifiedTokenCacheSize,
      ...keyOptions,
    });
    const neighbour = new JwtAuthentication<TestUser>({
      name: `${name}-cookie`,
      algorithm,
      lifetimeSeconds: 3600,
      ...keyOptions,
    });
    const alice = makeTestUser('alice@example.com');
    const inactive = { ...makeTestUser('off@example.com'), isActive: false };
    const users = userLookup(alice, inactive);
    const passportStrategy = createBackendPassportStrategy(backend, users);

    const good = JSON.parse(
      Buffer.from((await backend.strategy.writeToken(alice)).split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    const header = (extra: Record<string, unknown> = {}) => ({ alg: algorithm, typ: 'JWT', kid: 'k', ...extra });
    const sign = (head: Record<string, unknown>, payload: unknown) =>
      hmac ? forgeHmac(head, payload, secret) : forgeSigned(head, payload, signingKey!);
    const claims = (extra: Record<string, unknown> = {}) => ({ ...good, ...extra });
    const { kid: _kid, ...noKid } = header();
    const table: Array<[string, string, boolean]> = [
      ['written by the backend', await backend.strategy.writeToken(alice), true],
      ['signed by hand, same claims', sign(header(), claims()), true],
      ['aud as a list with ours', sign(header(), claims({ aud: ['other', good.aud] })), true],
      ['iat 30 s ahead', sign(header(), claims({ iat: now() + 30 })), true],
      ['no kid (one key)', sign(noKid, claims()), true],
      ['of the neighbour backend (same keys)', await neighbour.strategy.writeToken(alice), false],
      ['the old shared audience', sign(header(), claims({ aud: 'nest-users:auth' })), false],
      ['expired', sign(header(), claims({ exp: now() - 1 })), false],
      ['without exp', sign(header(), (({ exp: _exp, ...rest }) => rest)(claims())), false],
      ['nbf ahead', sign(header(), claims({ nbf: now() + 60 })), false],
      ['iat far ahead', sign(header(), claims({ iat: now() + 3600 })), false],
      ['sub missing', sign(header(), claims({ sub: undefined })), false],
      ['sub a number', sign(header(), claims({ sub: 42 })), false],
      ['payload a JSON string', sign(header(), JSON.stringify(claims())), false],
      ['pfp of another password', sign(header(), claims({ pfp: 'AAAAAAAAAAAAAAAAAAAAAA' })), false],
      ['inactive user', await backend.strategy.writeToken(inactive), false],
      ['unknown kid', sign(header({ kid: 'other' }), claims()), false],
      ['crit', sign(header({ crit: ['x-foo'], 'x-foo': 1 }), claims()), false],
      ['jku', sign(header({ jku: 'http://127.0.0.1:1/jwks.json' }), claims()), false],
      ['alg none', `${b64json(header({ alg: 'none' }))}.${b64json(claims())}.`, false],
      ['another alg', forgeHmac(header({ alg: 'HS512' }), claims(), secret, 'sha512'), false],
      ['bad signature', `${sign(header(), claims()).slice(0, -6)}AAAAAA`, false],
      ['garbage', 'a.b.c', false],
    ];
    for (const [label, token, accepted] of table) {
      for (let round = 0; round < 2; round++) {
        const viaStrategy = await backend.strategy.readToken(token, users);
        const direct = viaStrategy?.isActive ? { user: viaStrategy } : { failed: true };
        const viaPassport = await authenticate(passportStrategy, token);
        expect({ label, verdict: viaPassport }).toEqual({ label, verdict: direct });
        expect({ label, accepted: 'user' in direct }).toEqual({ label, accepted });
      }
    }
  });
});
