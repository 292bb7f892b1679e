import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testKeyPair, type AsymmetricAlgorithm } from '@nest-users/testing/jwt';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { parseJwtKeySet } from './jwt-keys.js';
import { JwtStrategy, type JwtStrategyOptions } from './jwt.strategy.js';

const base = { lifetimeSeconds: 3600, fingerprintSecret: randomBytes(32) };
const rsa = () => testKeyPair('RS256');
const ec = () => testKeyPair('ES256');
const ed = () => testKeyPair('EdDSA');
const pairOf = (algorithm: AsymmetricAlgorithm) => testKeyPair(algorithm);

/** Builds a backend named "api" and returns the startup error it fails with. */
function startupError(options: Partial<JwtStrategyOptions>): UsersAuthConfigurationError {
  try {
    new JwtAuthentication({ ...base, name: 'api', ...options } as never);
  } catch (error) {
    expect(error).toBeInstanceOf(UsersAuthConfigurationError);
    expect((error as Error).message).toContain('Backend "api"');
    return error as UsersAuthConfigurationError;
  }
  throw new Error('expected a startup error');
}

describe('JWT key configuration (startup errors say how to fix them)', () => {
  describe('key strength and family (CVE-2022-23539 class)', () => {
    it('refuses an RSA key under 2048 bits, private or public, saying how to make one', () => {
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
      for (const key of [{ privateKey: weak.privateKey }, { publicKey: weak.publicKey }]) {
        const { message } = startupError({ algorithm: 'RS256', verifyOnly: 'publicKey' in key, keys: [{ kid: 'k', ...key }] });
        expect(message).toMatch(/1024 bits; RS256 needs at least 2048/);
        expect(message).toMatch(/generateKeyPairSync\('rsa', \{ modulusLength: 3072 \}\)|openssl genpkey/);
      }
    });

    it.each([
      ['P-384', 'secp384r1'],
      ['secp256k1', 'secp256k1'],
    ])('refuses an EC key on %s for ES256', (namedCurve, shown) => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve });
      const { message } = startupError({ algorithm: 'ES256', keys: [{ kid: 'k', privateKey }] });
      expect(message).toContain(`P-256 (prime256v1), got curve ${shown}`);
      expect(message).toContain(`namedCurve: 'P-256'`);
    });

    it.each([
      ['RS256', 'an EC key', () => ec().privateKey, /RS256 needs an RSA key, got a ec key/],
      ['RS256', 'an Ed25519 key', () => ed().privateKey, /RS256 needs an RSA key, got a ed25519 key/],
      [
        'RS256',
        'an RSA-PSS key',
        () => generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey,
        /RS256 needs an RSA key, got a rsa-pss key/,
      ],
      [
        'RS256',
        'a DSA key',
        () => generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 224 }).privateKey,
        /got a dsa key/,
      ],
      ['ES256', 'an RSA key', () => rsa().privateKey, /ES256 needs an EC key, got a rsa key/],
      ['ES256', 'an Ed25519 key', () => ed().privateKey, /ES256 needs an EC key/],
      ['EdDSA', 'an RSA key', () => rsa().privateKey, /EdDSA here means Ed25519, got a rsa key/],
      ['EdDSA', 'an EC key', () => ec().privateKey, /EdDSA here means Ed25519, got a ec key \(prime256v1\)/],
      ['EdDSA', 'an Ed448 key', () => generateKeyPairSync('ed448').privateKey, /EdDSA here means Ed25519, got a ed448 key/],
      ['EdDSA', 'an X25519 key', () => generateKeyPairSync('x25519').privateKey, /got a x25519 key/],
    ] as const)('%s refuses %s', (algorithm, _label, key, message) => {
      expect(startupError({ algorithm, keys: [{ kid: 'k', privateKey: key() }] }).message).toMatch(message);
    });

    it('checks verify-only public keys the same way', () => {
      expect(
        startupError({ algorithm: 'ES256', verifyOnly: true, keys: [{ kid: 'k', publicKey: rsa().publicKey }] }).message,
      ).toMatch(/ES256 needs an EC key/);
    });
  });

  describe('secrets and key pairs do not mix', () => {
    it.each(['HS256', 'HS384', 'HS512'] as const)('%s refuses a private or public key in keys', (algorithm) => {
      for (const key of [
        { privateKey: rsa().privateKey },
        { publicKey: rsa().publicKey },
        { privateKey: rsa().privateKey, secret: randomBytes(64) },
      ]) {
        const { message } = startupError({ algorithm, keys: [{ kid: 'k', ...key }] });
        expect(message).toContain(`${algorithm} is symmetric`);
        expect(message).toContain(`set algorithm 'RS256', 'ES256' or 'EdDSA'`);
      }
    });

    it('HS256 refuses a private or public KeyObject as secret', () => {
      for (const secret of [rsa().privateKey, ec().publicKey]) {
        expect(startupError({ secret }).message).toMatch(
          /HS256 needs a secret key, got a (private|public) key.*keys: \[\{ kid, privateKey \}\]/,
        );
        expect(startupError({ keys: [{ kid: 'k', secret }] }).message).toMatch(/needs a secret key/);
      }
    });

    it.each(['RS256', 'ES256', 'EdDSA'] as const)(
      '%s refuses secret (top level or per key) and secret KeyObjects as keys',
      (algorithm) => {
        expect(startupError({ algorithm, secret: randomBytes(32) }).message).toMatch(/signs with a key pair, not `secret`/);
        expect(startupError({ algorithm, keys: [{ kid: 'k', secret: randomBytes(32) }] }).message).toMatch(
          /`secret` is for HS256\/HS384\/HS512/,
        );
        const secret = createSecretKey(randomBytes(32));
        expect(startupError({ algorithm, keys: [{ kid: 'k', privateKey: secret }] }).message).toMatch(
          /privateKey is a secret key/,
        );
        expect(startupError({ algorithm, keys: [{ kid: 'k', publicKey: secret }] }).message).toMatch(/publicKey is a secret key/);
      },
    );

    it('refuses secret and keys together, and no key at all', () => {
      expect(startupError({ secret: randomBytes(32), keys: [{ kid: 'k', secret: randomBytes(32) }] }).message).toMatch(
        /either `secret` or `keys`/,
      );
      expect(startupError({ keys: [] }).message).toMatch(/non-empty array/);
      expect(startupError({ algorithm: 'ES256' }).message).toMatch(/keys: \[\{ kid: '2026-01', privateKey \}\]/);
      expect(startupError({}).message).toMatch(/the secret is missing/);
    });

    it('refuses a private key passed as publicKey and a public key passed as privateKey', () => {
      expect(startupError({ algorithm: 'ES256', keys: [{ kid: 'k', publicKey: ec().privateKey }] }).message).toMatch(
        /publicKey is a private key/,
      );
      expect(startupError({ algorithm: 'ES256', keys: [{ kid: 'k', privateKey: ec().publicKey }] }).message).toMatch(
        /privateKey is a public key/,
      );
      const pem = ec().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      expect(
        startupError({ algorithm: 'ES256', keys: [{ kid: 'k', privateKey: ec().privateKey, publicKey: pem }] }).message,
      ).toMatch(/publicKey must be a public KeyObject or PEM/);
    });

    it('refuses a publicKey that is not the half of its privateKey', () => {
      const other = testKeyPair('ES256', 'other');
      expect(
        startupError({ algorithm: 'ES256', keys: [{ kid: 'k', privateKey: ec().privateKey, publicKey: other.publicKey }] })
          .message,
      ).toMatch(/not the public half of privateKey/);
    });
  });

  describe('PEM text', () => {
    it.each(['RS256', 'ES256', 'EdDSA'] as const)(
      '%s accepts PKCS#8 / SPKI PEM strings and signs with them',
      async (algorithm) => {
        const { privateKey, publicKey } = pairOf(algorithm);
        const strategy = new JwtStrategy({
          ...base,
          algorithm,
          keys: [
            { kid: 'new', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
            { kid: 'old', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string },
          ],
        });
        expect(strategy.signingKid).toBe('new');
        expect(strategy.publicJwks().map((key) => key.kid)).toEqual(['new', 'old']);
      },
    );

    it('accepts PKCS#1 RSA and SEC1 EC private keys, and PKCS#1 RSA public keys', () => {
      expect(
        () =>
          new JwtStrategy({
            ...base,
            algorithm: 'RS256',
            keys: [
              { kid: 'a', privateKey: rsa().privateKey.export({ type: 'pkcs1', format: 'pem' }) as string },
              { kid: 'b', publicKey: testKeyPair('RS256', 'b').publicKey.export({ type: 'pkcs1', format: 'pem' }) as string },
            ],
          }),
      ).not.toThrow();
      const sec1 = ec().privateKey.export({ type: 'sec1', format: 'pem' }) as string;
      expect(() => new JwtStrategy({ ...base, algorithm: 'ES256', keys: [{ kid: 'a', privateKey: sec1 }] })).not.toThrow();
    });

    it('refuses unreadable text without echoing it, and says to decrypt an encrypted key', () => {
      const junk = `not a key ${randomBytes(24).toString('hex')}`;
      const error = startupError({ algorithm: 'RS256', keys: [{ kid: 'k', privateKey: junk }] });
      expect(error.message).toMatch(/privateKey must be a private KeyObject or PEM text/);
      expect(error.message).not.toContain(junk);
      const broken = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
      expect(startupError({ algorithm: 'RS256', keys: [{ kid: 'k', privateKey: broken }] }).message).toMatch(
        /not a readable PEM private key/,
      );
      const encrypted = rsa().privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'pw',
      }) as string;
      expect(startupError({ algorithm: 'RS256', keys: [{ kid: 'k', privateKey: encrypted }] }).message).toMatch(
        /decrypted first/,
      );
      expect(startupError({ algorithm: 'RS256', verifyOnly: true, keys: [{ kid: 'k', publicKey: 'AAAA' }] }).message).toMatch(
        /publicKey must be a public KeyObject or PEM/,
      );
      expect(startupError({ algorithm: 'RS256', keys: [{ kid: 'k', privateKey: 42 as never }] }).message).toMatch(/got a number/);
    });
  });

  describe('kids and the signing key', () => {
    it('refuses duplicate kids', () => {
      const keys = [
        { kid: 'k', privateKey: rsa().privateKey },
        { kid: 'k', publicKey: testKeyPair('RS256', 'b').publicKey },
      ];
      expect(startupError({ algorithm: 'RS256', keys }).message).toMatch(/duplicate kid "k": every key needs its own kid/);
      expect(
        startupError({
          keys: [
            { kid: 'k', secret: randomBytes(32) },
            { kid: 'k', secret: randomBytes(32) },
          ],
        }).message,
      ).toMatch(/duplicate kid "k"/);
    });

    it.each([
      ['empty', ''],
      ['with a space', 'a b'],
      ['129 characters', 'k'.repeat(129)],
      ['non-ASCII', 'clé'],
      ['a number', 1],
      ['missing', undefined],
    ])('refuses a kid that is %s', (_label, kid) => {
      expect(startupError({ algorithm: 'ES256', keys: [{ kid: kid as string, privateKey: ec().privateKey }] }).message).toMatch(
        /keys\[0\] needs a kid of 1 to 128 visible ASCII characters/,
      );
    });

    it('refuses a set without any private key, pointing at verifyOnly', () => {
      const { message } = startupError({ algorithm: 'EdDSA', keys: [{ kid: 'a', publicKey: ed().publicKey }] });
      expect(message).toMatch(/no signing key: none of the keys \(a\) has a privateKey/);
      expect(message).toMatch(/verifyOnly: true/);
    });

    it('refuses a signingKid that is unknown or has no private key', () => {
      const keys = [
        { kid: 'a', privateKey: ed().privateKey },
        { kid: 'b', publicKey: testKeyPair('EdDSA', 'b').publicKey },
      ];
      expect(startupError({ algorithm: 'EdDSA', keys, signingKid: 'c' }).message).toMatch(
        /signingKid "c" is not among the keys \(a, b\)/,
      );
      expect(startupError({ algorithm: 'EdDSA', keys, signingKid: 'b' }).message).toMatch(/signingKid "b" has no privateKey/);
    });

    it('HMAC: signingKid picks the secret, the first one by default', () => {
      const keys = [
        { kid: 'a', secret: randomBytes(32) },
        { kid: 'b', secret: randomBytes(32) },
      ];
      expect(new JwtStrategy({ ...base, keys }).signingKid).toBe('a');
      expect(new JwtStrategy({ ...base, keys, signingKid: 'b' }).signingKid).toBe('b');
      expect(new JwtStrategy({ ...base, keys, signingKid: 'b' }).key.equals(createSecretKey(keys[1]!.secret))).toBe(true);
    });

    it('HMAC keys are checked like secret: length per algorithm, no PEM', () => {
      expect(startupError({ keys: [{ kid: 'k', secret: randomBytes(31) }] }).message).toMatch(
        /key "k": the secret is 31 bytes; HS256 needs at least 32/,
      );
      expect(startupError({ algorithm: 'HS512', keys: [{ kid: 'k', secret: randomBytes(48) }] }).message).toMatch(
        /randomBytes\(64\)/,
      );
      const pem = rsa().publicKey.export({ type: 'spki', format: 'pem' }) as string;
      expect(startupError({ keys: [{ kid: 'k', secret: pem }] }).message).toMatch(/PEM, OpenSSH or JWK/);
    });
  });

  describe('verifyOnly', () => {
    it('is for key pairs only', () => {
      expect(startupError({ secret: randomBytes(32), verifyOnly: true }).message).toMatch(/verifyOnly is for key pairs/);
      expect(startupError({ keys: [{ kid: 'k', secret: randomBytes(32) }], verifyOnly: true }).message).toMatch(
        /verifyOnly is for key pairs/,
      );
    });

    it('refuses private keys and signingKid', () => {
      expect(
        startupError({ algorithm: 'EdDSA', verifyOnly: true, keys: [{ kid: 'a', privateKey: ed().privateKey }] }).message,
      ).toMatch(/verifyOnly is set, yet key "a" has a privateKey/);
      expect(
        startupError({ algorithm: 'EdDSA', verifyOnly: true, signingKid: 'a', keys: [{ kid: 'a', publicKey: ed().publicKey }] })
          .message,
      ).toMatch(/signingKid is set/);
    });
  });

  describe('password fingerprint on key pairs', () => {
    it.each(['RS256', 'ES256', 'EdDSA'] as const)(
      '%s needs fingerprintSecret, or revokeOnPasswordChange: false, said in the error',
      (algorithm) => {
        const keys = [{ kid: 'k', privateKey: pairOf(algorithm).privateKey }];
        const { message } = startupError({ algorithm, keys, fingerprintSecret: undefined });
        expect(message).toMatch(/Set fingerprintSecret/);
        expect(message).toMatch(/revokeOnPasswordChange: false/);
        expect(startupError({ algorithm, keys, fingerprintSecret: undefined, revokeOnPasswordChange: true }).message).toMatch(
          /fingerprintSecret/,
        );
        expect(
          () => new JwtStrategy({ ...base, algorithm, keys, fingerprintSecret: undefined, revokeOnPasswordChange: false }),
        ).not.toThrow();
      },
    );

    it('checks fingerprintSecret like any secret', () => {
      const keys = [{ kid: 'k', privateKey: ed().privateKey }];
      expect(startupError({ algorithm: 'EdDSA', keys, fingerprintSecret: randomBytes(31) }).message).toMatch(
        /fingerprintSecret: the secret is 31 bytes/,
      );
      const pem = ed().publicKey.export({ type: 'spki', format: 'pem' }) as string;
      expect(startupError({ algorithm: 'EdDSA', keys, fingerprintSecret: pem }).message).toMatch(
        /fingerprintSecret: the secret is a PEM/,
      );
    });
  });

  describe('parseJwtKeySet', () => {
    it('finds keys by kid with a Map: inherited property names are not kids', () => {
      const set = parseJwtKeySet(
        {
          algorithm: 'EdDSA',
          keys: [
            { kid: 'a', privateKey: ed().privateKey },
            { kid: 'b', publicKey: testKeyPair('EdDSA', 'b').publicKey },
          ],
        },
        'test',
      );
      for (const kid of ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'c']) expect(set.find(kid)).toBeUndefined();
      expect(set.find(undefined)).toBeUndefined();
      expect(set.find('b')?.key.equals(testKeyPair('EdDSA', 'b').publicKey)).toBe(true);
      expect(set.find('b')?.signingKey).toBeUndefined();
    });

    it('derives the verification key from a private key and keeps only KeyObjects', () => {
      const { privateKey, publicKey } = ed();
      const set = parseJwtKeySet({ algorithm: 'EdDSA', keys: [{ kid: 'a', privateKey }] }, 'test');
      expect(set.find('a')!.key.type).toBe('public');
      expect(set.find('a')!.key.equals(publicKey)).toBe(true);
      expect(set.find(undefined)).toBe(set.find('a'));
      expect(set.signing?.signingKey).toBe(privateKey as KeyObject);
    });
  });
});
