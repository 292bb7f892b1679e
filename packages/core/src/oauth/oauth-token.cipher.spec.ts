import { describe, expect, it } from 'vitest';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { OAuthTokenCipher, type OAuthTokenContext } from './oauth-token.cipher.js';

const KEY = 'k'.repeat(32);
const OTHER_KEY = 'o'.repeat(32);
const context: OAuthTokenContext = { oauthName: 'google', accountId: '1001', field: 'accessToken' };

describe('OAuthTokenCipher', () => {
  it('round-trips a token and never stores it in clear', () => {
    const cipher = new OAuthTokenCipher(KEY);
    const token = 'ya29.a0AfH6SMB-provider-access-token';
    const stored = cipher.encrypt(token, context);
    expect(stored).not.toContain(token);
    expect(stored).toMatch(/^v1\.[\w-]{8}\.[\w-]{16}\.[\w-]+$/);
    expect(cipher.decrypt(stored, context)).toBe(token);
  });

  it('uses a fresh IV: the same token encrypts differently each time', () => {
    const cipher = new OAuthTokenCipher(KEY);
    expect(cipher.encrypt('t', context)).not.toBe(cipher.encrypt('t', context));
  });

  it('refuses a value moved to another account, provider or field', () => {
    const cipher = new OAuthTokenCipher(KEY);
    const stored = cipher.encrypt('token', context);
    expect(cipher.decrypt(stored, { ...context, accountId: '1002' })).toBeNull();
    expect(cipher.decrypt(stored, { ...context, oauthName: 'github' })).toBeNull();
    expect(cipher.decrypt(stored, { ...context, field: 'refreshToken' })).toBeNull();
  });

  it('refuses a tampered value, an unknown key and values that are not its own', () => {
    const cipher = new OAuthTokenCipher(KEY);
    const stored = cipher.encrypt('token', context);
    const [v, id, iv, body] = stored.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0]! ^= 1;
    expect(cipher.decrypt([v, id, iv, flipped.toString('base64url')].join('.'), context)).toBeNull();
    expect(new OAuthTokenCipher(OTHER_KEY).decrypt(stored, context)).toBeNull();
    for (const value of ['', 'token', 'v1.x.y', `${stored}.extra`, `v2.${id}.${iv}.${body}`, `v1.${id}.${iv}.AA`]) {
      expect(cipher.decrypt(value, context), value).toBeNull();
    }
  });

  it('rotates keys: the first encrypts, every configured key decrypts', () => {
    const old = new OAuthTokenCipher(OTHER_KEY).encrypt('old', context);
    const rotated = new OAuthTokenCipher([KEY, OTHER_KEY]);
    expect(rotated.decrypt(old, context)).toBe('old');
    expect(new OAuthTokenCipher(KEY).decrypt(rotated.encrypt('new', context), context)).toBe('new');
  });

  it('refuses short keys and an empty key list at construction', () => {
    expect(() => new OAuthTokenCipher('short')).toThrow(UsersAuthConfigurationError);
    expect(() => new OAuthTokenCipher([KEY, 'x'.repeat(31)])).toThrow(/key 1 is shorter than 32/);
    expect(() => new OAuthTokenCipher([])).toThrow(UsersAuthConfigurationError);
  });
});
