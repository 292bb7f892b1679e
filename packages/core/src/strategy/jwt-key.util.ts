import { createSecretKey, hkdfSync, KeyObject } from 'node:crypto';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
const MIN_HMAC_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;
export type HmacAlgorithm = keyof typeof MIN_HMAC_BYTES;
export const HMAC_ALGORITHMS = Object.keys(MIN_HMAC_BYTES) as HmacAlgorithm[];

/**
 * Text that is a public or private key, not a random secret: PEM (any label), OpenSSH public keys, a JWK. Used as an
 * HMAC secret, a public key would let anyone who has it mint tokens (algorithm confusion by configuration).
 */
const KEY_TEXT = [
  /-----BEGIN [A-Z0-9 ]+-----/,
  /^\s*(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-\S+|sk-\S+@openssh\.com) /,
  /^\s*\{[\s\S]*"kty"\s*:/,
];

/**
 * Turns a configured secret into a `KeyObject`: jsonwebtoken then skips trying to parse it as a PEM public key on
 * every verify (~340 µs a request with a plain string) and can never mistake it for an asymmetric key.
 */
export function createHmacKey(secret: unknown, algorithm: HmacAlgorithm, context: string): KeyObject {
  if (!HMAC_ALGORITHMS.includes(algorithm)) {
    throw new UsersAuthConfigurationError(
      `${context}: unsupported algorithm "${String(algorithm)}"; use one of ${HMAC_ALGORITHMS.join(', ')}.`,
    );
  }
  let key: KeyObject;
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') {
      throw new UsersAuthConfigurationError(
        `${context}: ${algorithm} needs a secret key, got a ${secret.type} key. For a key pair set algorithm ` +
          `'RS256', 'ES256' or 'EdDSA' and pass it as keys: [{ kid, privateKey }].`,
      );
    }
    key = secret;
  } else if (typeof secret === 'string' || Buffer.isBuffer(secret)) {
    key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  } else {
    throw new UsersAuthConfigurationError(`${context}: the secret is missing. ${howToMakeSecret(algorithm)}`);
  }
  const size = key.symmetricKeySize ?? 0;
  if (size < MIN_HMAC_BYTES[algorithm]) {
    throw new UsersAuthConfigurationError(
      `${context}: the secret is ${size} bytes; ${algorithm} needs at least ${MIN_HMAC_BYTES[algorithm]}. ` +
        howToMakeSecret(algorithm),
    );
  }
  const text = key.export().toString('latin1');
  if (KEY_TEXT.some((pattern) => pattern.test(text))) {
    throw new UsersAuthConfigurationError(
      `${context}: the secret is a PEM, OpenSSH or JWK key, not a random secret: as an ${algorithm} secret, whoever ` +
        `holds that key could sign tokens. For a key pair set algorithm 'RS256', 'ES256' or 'EdDSA' and pass it as ` +
        `keys: [{ kid, privateKey }]; for ${algorithm}: ${howToMakeSecret(algorithm)}`,
    );
  }
  return key;
}

/** HKDF-SHA256 of `material` for one purpose (`info`): a 32-byte key no other purpose shares. */
export function deriveHmacKey(material: Buffer, info: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), info, 32)));
}

function howToMakeSecret(algorithm: HmacAlgorithm): string {
  return (
    `Generate one with: node -e "console.log(require('crypto').randomBytes(${MIN_HMAC_BYTES[algorithm]})` +
    `.toString('base64url'))" and pass it in from the environment (e.g. JWT_SECRET).`
  );
}
