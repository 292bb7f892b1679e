import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { createHmacKey, HMAC_ALGORITHMS, type HmacAlgorithm } from './jwt-key.util.js';

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
/** Signature algorithms over a key pair: RSA ≥ 2048 bits, ECDSA on P-256, Ed25519. */
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
/** Every algorithm a JWT backend can be pinned to. @publicApi */
export type JwtAlgorithm = HmacAlgorithm | AsymmetricAlgorithm;
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS];

/**
 * One key of a JWT backend, named by `kid` (written in the header of the tokens it signs).
 * HS256/HS384/HS512 keys take `secret`; RS256/ES256/EdDSA keys take `privateKey` (to sign, and to verify) and/or
 * `publicKey` (to verify only), each a `KeyObject` or PEM text.
 * @publicApi
 */
export interface JwtKeyOptions {
  kid: string;
  secret?: string | Buffer | KeyObject;
  privateKey?: KeyObject | string;
  publicKey?: KeyObject | string;
}

/** A key tokens may be verified with: a secret (HS*) or a public key; `kid` is undefined only for a lone `secret`. */
export interface JwtVerificationKey {
  readonly kid: string | undefined;
  readonly key: KeyObject;
  /** The secret key bytes (HS*) or the private key (asymmetric), when this instance holds them. */
  readonly signingKey?: KeyObject;
}

/** The keys of one backend, checked at startup. */
export interface JwtKeySet {
  readonly algorithm: JwtAlgorithm;
  readonly asymmetric: boolean;
  /** Every verification key, in configured order. */
  readonly keys: readonly JwtVerificationKey[];
  /** The key that signs, or undefined on a verify-only instance. */
  readonly signing: JwtVerificationKey | undefined;
  /** Verification key by `kid`: the only place a token's `kid` is ever looked up. */
  find(kid: string | undefined): JwtVerificationKey | undefined;
}

export interface JwtKeySetOptions {
  algorithm?: JwtAlgorithm;
  secret?: string | Buffer | KeyObject;
  keys?: JwtKeyOptions[];
  signingKid?: string;
  verifyOnly?: boolean;
}

/**
 * JOSE headers that point at a key somewhere else (RFC 8725 §3.10). Our tokens never carry them; a token that does
 * is refused outright rather than ignored, and they never cause any lookup.
 */
export const KEY_LOCATING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c', 'x5t', 'x5t#S256'] as const;

const KID = /^[\x21-\x7e]{1,128}$/;

export function isAsymmetricAlgorithm(algorithm: JwtAlgorithm): algorithm is AsymmetricAlgorithm {
  return (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm);
}

/**
 * Validates a backend's key configuration and builds its key set. Every mistake is a startup error that says how to
 * fix it: unknown algorithm, `secret` with a key pair algorithm or a key pair with HS*, RSA under 2048 bits, an EC
 * curve other than P-256 for ES256, a key type of another family, a public key that is not the private key's half,
 * duplicate or malformed kids, no signing key.
 */
export function parseJwtKeySet(options: JwtKeySetOptions, context: string): JwtKeySet {
  const algorithm = options.algorithm ?? 'HS256';
  if (!JWT_ALGORITHMS.includes(algorithm)) {
    throw new UsersAuthConfigurationError(
      `${context}: unsupported algorithm "${String(algorithm)}"; use one of ${JWT_ALGORITHMS.join(', ')}.`,
    );
  }
  const asymmetric = isAsymmetricAlgorithm(algorithm);
  if (options.keys !== undefined && options.secret !== undefined) {
    throw new UsersAuthConfigurationError(
      `${context}: give either \`secret\` or \`keys\`, not both (with \`keys\`, each HMAC key has its own \`secret\`).`,
    );
  }
  if (options.keys === undefined) {
    if (asymmetric) {
      throw new UsersAuthConfigurationError(
        `${context}: ${algorithm} signs with a key pair, not \`secret\`: pass keys: [{ kid: '2026-01', privateKey }] ` +
          `(a KeyObject or PEM text, e.g. from JWT_PRIVATE_KEY). ${howToMakeKey(algorithm)}`,
      );
    }
    if (options.verifyOnly) throw verifyOnlyWithHmac(context, algorithm);
    const key = createHmacKey(options.secret, algorithm as HmacAlgorithm, context);
    const only: JwtVerificationKey = { kid: undefined, key, signingKey: key };
    return { algorithm, asymmetric, keys: [only], signing: only, find: (kid) => (kid === undefined ? only : undefined) };
  }

  if (!Array.isArray(options.keys) || options.keys.length === 0) {
    throw new UsersAuthConfigurationError(`${context}: \`keys\` must be a non-empty array of { kid, ... }.`);
  }
  const keys: JwtVerificationKey[] = [];
  const byKid = new Map<string, JwtVerificationKey>();
  options.keys.forEach((entry, index) => {
    const kid: unknown = entry?.kid;
    if (typeof kid !== 'string' || !KID.test(kid)) {
      throw new UsersAuthConfigurationError(
        `${context}: keys[${index}] needs a kid of 1 to 128 visible ASCII characters (e.g. '2026-01'), got ${describe(kid, true)}.`,
      );
    }
    if (byKid.has(kid)) {
      throw new UsersAuthConfigurationError(
        `${context}: duplicate kid "${kid}": every key needs its own kid, or a token could be checked with the wrong key.`,
      );
    }
    const where = `${context}: key "${kid}"`;
    const key = asymmetric ? asymmetricKey(entry, algorithm, where) : hmacKey(entry, algorithm as HmacAlgorithm, where);
    const parsed: JwtVerificationKey = { kid, ...key };
    keys.push(parsed);
    byKid.set(kid, parsed);
  });

  let signing: JwtVerificationKey | undefined;
  if (options.verifyOnly) {
    if (!asymmetric) throw verifyOnlyWithHmac(context, algorithm);
    const holder = keys.find((key) => key.signingKey);
    if (holder || options.signingKid !== undefined) {
      throw new UsersAuthConfigurationError(
        `${context}: verifyOnly is set, yet ${holder ? `key "${holder.kid}" has a privateKey` : 'signingKid is set'}: ` +
          `an instance that only verifies needs public keys only. Remove the private key (and signingKid), or drop verifyOnly.`,
      );
    }
  } else if (options.signingKid !== undefined) {
    signing = byKid.get(options.signingKid);
    if (!signing) {
      throw new UsersAuthConfigurationError(
        `${context}: signingKid "${String(options.signingKid)}" is not among the keys (${[...byKid.keys()].join(', ')}).`,
      );
    }
    if (!signing.signingKey) {
      throw new UsersAuthConfigurationError(
        `${context}: signingKid "${signing.kid}" has no privateKey: give that key's privateKey, or name a key that has one.`,
      );
    }
  } else {
    signing = keys.find((key) => key.signingKey);
    if (!signing) {
      throw new UsersAuthConfigurationError(
        `${context}: no signing key: none of the keys (${keys.map((key) => key.kid).join(', ')}) has a privateKey. ` +
          `Add the privateKey of the key that signs, or set verifyOnly: true if this instance only verifies tokens ` +
          `issued elsewhere.`,
      );
    }
  }
  return {
    algorithm,
    asymmetric,
    keys,
    signing,
    // With one key a token may omit kid (it can only mean that key); with several, kid is required.
    find: (kid) => (kid === undefined ? (keys.length === 1 ? keys[0] : undefined) : byKid.get(kid)),
  };
}

function hmacKey(entry: JwtKeyOptions, algorithm: HmacAlgorithm, where: string): Omit<JwtVerificationKey, 'kid'> {
  if (entry.privateKey !== undefined || entry.publicKey !== undefined) {
    throw new UsersAuthConfigurationError(
      `${where}: ${algorithm} is symmetric (one shared secret); privateKey/publicKey do not belong here. For a key pair ` +
        `set algorithm 'RS256', 'ES256' or 'EdDSA'; for ${algorithm} give the key a \`secret\`.`,
    );
  }
  const key = createHmacKey(entry.secret, algorithm, where);
  return { key, signingKey: key };
}

function asymmetricKey(entry: JwtKeyOptions, algorithm: AsymmetricAlgorithm, where: string): Omit<JwtVerificationKey, 'kid'> {
  if (entry.secret !== undefined) {
    throw new UsersAuthConfigurationError(
      `${where}: \`secret\` is for HS256/HS384/HS512; ${algorithm} takes privateKey and/or publicKey (KeyObject or PEM).`,
    );
  }
  const privateKey = entry.privateKey === undefined ? undefined : toPrivateKey(entry.privateKey, where);
  const publicKey = entry.publicKey === undefined ? undefined : toPublicKey(entry.publicKey, where);
  if (!privateKey && !publicKey) {
    throw new UsersAuthConfigurationError(`${where} has neither privateKey nor publicKey.`);
  }
  const derived = privateKey ? createPublicKey(privateKey) : undefined;
  if (publicKey && derived && !publicKey.equals(derived)) {
    throw new UsersAuthConfigurationError(
      `${where}: publicKey is not the public half of privateKey. Give only the privateKey (its public half is derived), ` +
        `or the matching pair.`,
    );
  }
  const key = publicKey ?? derived!;
  assertFitsAlgorithm(key, algorithm, where);
  return { key, signingKey: privateKey };
}

function toPrivateKey(value: unknown, where: string): KeyObject {
  if (value instanceof KeyObject) {
    if (value.type === 'private') return value;
    throw new UsersAuthConfigurationError(
      value.type === 'public'
        ? `${where}: privateKey is a public key: pass it as publicKey (verify only), or give the private key.`
        : `${where}: privateKey is a secret key: secrets are for HS256/HS384/HS512 (\`secret\`).`,
    );
  }
  if (typeof value !== 'string' || !/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(value)) {
    throw new UsersAuthConfigurationError(
      `${where}: privateKey must be a private KeyObject or PEM text ("-----BEGIN PRIVATE KEY-----"), got ${describe(value)}.`,
    );
  }
  try {
    return createPrivateKey({ key: value, format: 'pem' });
  } catch (error) {
    throw new UsersAuthConfigurationError(
      `${where}: privateKey is not a readable PEM private key (${(error as Error).message}). An encrypted key must be ` +
        `decrypted first: createPrivateKey({ key, passphrase }).`,
    );
  }
}

function toPublicKey(value: unknown, where: string): KeyObject {
  if (value instanceof KeyObject) {
    if (value.type === 'public') return value;
    throw new UsersAuthConfigurationError(
      value.type === 'private'
        ? `${where}: publicKey is a private key: pass it as privateKey (its public half is derived).`
        : `${where}: publicKey is a secret key: secrets are for HS256/HS384/HS512 (\`secret\`).`,
    );
  }
  if (typeof value !== 'string' || !/-----BEGIN (?:PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(value)) {
    throw new UsersAuthConfigurationError(
      `${where}: publicKey must be a public KeyObject or PEM text ("-----BEGIN PUBLIC KEY-----"), got ${describe(value)}.`,
    );
  }
  try {
    return createPublicKey({ key: value, format: 'pem' });
  } catch (error) {
    throw new UsersAuthConfigurationError(`${where}: publicKey is not a readable PEM public key (${(error as Error).message}).`);
  }
}

/** CVE-2022-23539 class: a key of another family, a short RSA modulus or another curve never reaches a verify. */
function assertFitsAlgorithm(key: KeyObject, algorithm: AsymmetricAlgorithm, where: string): void {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const fix = howToMakeKey(algorithm);
  if (algorithm === 'RS256') {
    if (type !== 'rsa')
      throw new UsersAuthConfigurationError(`${where}: RS256 needs an RSA key, got ${describeKeyType(key)}. ${fix}`);
    if ((details.modulusLength ?? 0) < 2048) {
      throw new UsersAuthConfigurationError(
        `${where}: the RSA key is ${details.modulusLength ?? 0} bits; RS256 needs at least 2048 (3072 recommended). ${fix}`,
      );
    }
  } else if (algorithm === 'ES256') {
    if (type !== 'ec')
      throw new UsersAuthConfigurationError(`${where}: ES256 needs an EC key, got ${describeKeyType(key)}. ${fix}`);
    if (details.namedCurve !== 'prime256v1') {
      throw new UsersAuthConfigurationError(
        `${where}: ES256 needs an EC key on curve P-256 (prime256v1), got curve ${details.namedCurve ?? 'unknown'}. ${fix}`,
      );
    }
  } else if (type !== 'ed25519') {
    throw new UsersAuthConfigurationError(`${where}: EdDSA here means Ed25519, got ${describeKeyType(key)}. ${fix}`);
  }
}

function howToMakeKey(algorithm: AsymmetricAlgorithm): string {
  const how = {
    RS256: [
      `generateKeyPairSync('rsa', { modulusLength: 3072 })`,
      'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072',
    ],
    ES256: [
      `generateKeyPairSync('ec', { namedCurve: 'P-256' })`,
      'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256',
    ],
    EdDSA: [`generateKeyPairSync('ed25519')`, 'openssl genpkey -algorithm ed25519'],
  }[algorithm];
  return `Make one with ${how[0]} (node:crypto) or \`${how[1]}\`.`;
}

function verifyOnlyWithHmac(context: string, algorithm: JwtAlgorithm): UsersAuthConfigurationError {
  return new UsersAuthConfigurationError(
    `${context}: verifyOnly is for key pairs (RS256, ES256, EdDSA): whoever holds an ${algorithm} secret can sign with it.`,
  );
}

function describeKeyType(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `a ${key.asymmetricKeyType ?? key.type} key${curve ? ` (${curve})` : ''}`;
}

/** What a wrong value is, without echoing it (it may be a secret) unless `reveal` (a kid). */
function describe(value: unknown, reveal = false): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return reveal && value.length <= 128 ? JSON.stringify(value) : 'a string that is not PEM';
  return `a ${Array.isArray(value) ? 'array' : typeof value}`;
}
