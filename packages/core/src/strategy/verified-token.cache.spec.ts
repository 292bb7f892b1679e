import { createHash, createHmac, randomBytes } from 'node:crypto';
import { makeTestUser, userLookup } from '@nest-users/testing/jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserNotExistsError } from '../errors/user.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { JwtCodec } from './jwt.codec.js';
import { parseJwtKeySet } from './jwt-keys.js';
import { JwtStrategy, type JwtStrategyOptions } from './jwt.strategy.js';
import { VerifiedTokenCache } from './verified-token.cache.js';

type TestUser = UserProtocol<string>;

const now = () => Math.floor(Date.now() / 1000);
const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const AUDIENCE = 'nest-users:auth:jwt';

function codecFor(secret: Buffer): JwtCodec {
  return new JwtCodec(parseJwtKeySet({ secret }, 'test'), [AUDIENCE]);
}

function forge(secret: Buffer, claims: Record<string, unknown>): string {
  const input = `${b64json({ alg: 'HS256', typ: 'JWT' })}.${b64json({ aud: AUDIENCE, exp: now() + 3600, ...claims })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

afterEach(() => vi.useRealTimers());

describe('VerifiedTokenCache', () => {
  it('asks the codec once per token, and checks exp again on every use', () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T00:00:00Z') });
    const secret = randomBytes(32);
    const codec = codecFor(secret);
    const verify = vi.spyOn(codec, 'verify');
    const cache = new VerifiedTokenCache(8);
    const token = forge(secret, { sub: 'a', exp: now() + 60 });
    for (let i = 0; i < 3; i++) expect(cache.verify(codec, token)?.claims.sub).toBe('a');
    expect(verify).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(59_000);
    expect(cache.verify(codec, token)).not.toBeNull();
    vi.advanceTimersByTime(1_000);
    expect(cache.verify(codec, token)).toBeNull();
    expect(codec.verify(token)).toBeNull();
  });

  it('never remembers a token that failed a check', () => {
    const secret = randomBytes(32);
    const codec = codecFor(secret);
    const verify = vi.spyOn(codec, 'verify');
    const cache = new VerifiedTokenCache(8);
    const good = forge(secret, { sub: 'a' });
    const badSignature = `${good.slice(0, -4)}AAAA`;
    const wrongAudience = forge(secret, { sub: 'a', aud: 'elsewhere' });
    for (const token of [badSignature, wrongAudience, badSignature, wrongAudience]) expect(cache.verify(codec, token)).toBeNull();
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it('holds at most `size` tokens, the oldest making room', () => {
    const secret = randomBytes(32);
    const codec = codecFor(secret);
    const verify = vi.spyOn(codec, 'verify');
    const cache = new VerifiedTokenCache(2);
    const [t1, t2, t3] = [1, 2, 3].map((i) => forge(secret, { sub: `u${i}` })) as [string, string, string];
    for (const token of [t1, t2, t3]) expect(cache.verify(codec, token)).not.toBeNull();
    expect(verify).toHaveBeenCalledTimes(3);
    for (const token of [t2, t3]) expect(cache.verify(codec, token)).not.toBeNull();
    expect(verify).toHaveBeenCalledTimes(3);
    expect(cache.verify(codec, t1)).not.toBeNull();
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it('keeps no token, only its SHA-256', () => {
    const secret = randomBytes(32);
    const codec = codecFor(secret);
    const cache = new VerifiedTokenCache(8);
    const token = forge(secret, { sub: 'a' });
    cache.verify(codec, token);
    // White-box on purpose: what the cache holds in memory IS the property (a heap dump must yield no usable token),
    // and nothing observable through its methods would tell a token from its hash.
    const keys = [...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()];
    expect(keys).toEqual([createHash('sha256').update(token).digest('binary')]);
  });

  it('is flushed when it is handed another key set: a remembered verdict never outlives its key', () => {
    const secret = randomBytes(32);
    const before = codecFor(secret);
    const after = codecFor(randomBytes(32));
    const cache = new VerifiedTokenCache(8);
    const token = forge(secret, { sub: 'a' });
    expect(cache.verify(before, token)).not.toBeNull();
    expect(cache.verify(after, token)).toBeNull();
    const verify = vi.spyOn(before, 'verify');
    expect(cache.verify(before, token)).not.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('remembers the hash a fingerprint matched, and checks again for any other hash or after a flush', () => {
    const secret = randomBytes(32);
    const codec = codecFor(secret);
    const cache = new VerifiedTokenCache(8);
    const verified = cache.verify(codec, forge(secret, { sub: 'a' }))!;
    const check = vi.fn(() => true);
    for (let i = 0; i < 3; i++) expect(cache.fingerprintMatches(verified, 'hash-1', check)).toBe(true);
    expect(check).toHaveBeenCalledTimes(1);
    const refuse = vi.fn(() => false);
    expect(cache.fingerprintMatches(verified, 'hash-2', refuse)).toBe(false);
    expect(cache.fingerprintMatches(verified, 'hash-2', refuse)).toBe(false);
    expect(refuse).toHaveBeenCalledTimes(2); // a refusal is never remembered
    cache.flush(codec);
    expect(cache.fingerprintMatches(verified, 'hash-1', check)).toBe(true);
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('hands out frozen claims, so no caller can change what the next request sees', () => {
    const secret = randomBytes(32);
    const codec = codecFor(secret);
    const cache = new VerifiedTokenCache(8);
    const token = forge(secret, { sub: 'a' });
    const { claims } = cache.verify(codec, token)!;
    expect(() => Object.assign(claims, { sub: 'b' })).toThrow(TypeError);
    expect(cache.verify(codec, token)?.claims.sub).toBe('a');
  });
});

describe('JwtStrategy with the verified-token cache', () => {
  function setup(options: Partial<JwtStrategyOptions> = {}) {
    const strategy = new JwtStrategy<TestUser>({ secret: randomBytes(32), lifetimeSeconds: 3600, ...options });
    strategy.attachToBackend('jwt');
    const alice = makeTestUser('alice@example.com');
    return { strategy, alice, users: userLookup(alice), verify: vi.spyOn(strategy.codec, 'verify') };
  }

  it('is on by default: the signature of a token is checked once, the user every time, its pfp whenever the hash differs', async () => {
    const ctx = setup();
    const token = await ctx.strategy.writeToken(ctx.alice);
    for (let i = 0; i < 3; i++) await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
    expect(ctx.verify).toHaveBeenCalledTimes(1);
    expect(ctx.users.get).toHaveBeenCalledTimes(3);

    ctx.alice.hashedPassword = 'changed';
    await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBeNull();
    await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBeNull();
    const fresh = await ctx.strategy.writeToken(ctx.alice);
    await expect(ctx.strategy.readToken(fresh, ctx.users)).resolves.toBe(ctx.alice);
    ctx.users.get.mockRejectedValueOnce(new UserNotExistsError()); // deleted since
    await expect(ctx.strategy.readToken(fresh, ctx.users)).resolves.toBeNull();
  });

  it('is off with verifiedTokenCacheSize: 0: every request goes through the codec', async () => {
    const ctx = setup({ verifiedTokenCacheSize: 0 });
    const token = await ctx.strategy.writeToken(ctx.alice);
    for (let i = 0; i < 3; i++) await expect(ctx.strategy.readToken(token, ctx.users)).resolves.toBe(ctx.alice);
    expect(ctx.verify).toHaveBeenCalledTimes(3);
  });
});
