import { createHmac, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { KEY_LOCATING_HEADERS, type JwtAlgorithm, type JwtKeySet, type JwtVerificationKey } from './jwt-keys.js';

/**
 * The one place a JWT is signed or verified: access tokens of every algorithm, reset and verify tokens, and (through
 * the key it selects and the verdict it gives) each backend's passport-jwt strategy. Built on node:crypto directly:
 * `bench/micro.ts` puts it beside jsonwebtoken and jose in one run (see bench/RESULTS.md), and `jwt.codec.spec.ts`
 * holds it to the RFC 7515 / RFC 8037 vectors and to jsonwebtoken for every algorithm both support.
 */

/** The claims of a token that passed every check: `sub` and `exp` always present. */
export interface JwtClaims {
  readonly sub: string;
  readonly exp: number;
  readonly aud?: string | string[];
  readonly iat?: number;
  readonly nbf?: number;
  readonly [claim: string]: unknown;
}

/** A verified token: its frozen claims and the `kid` of the configured key that verified it. */
export interface VerifiedJwt {
  readonly claims: JwtClaims;
  readonly kid: string | undefined;
}

/** The HMAC hash of each HS algorithm. */
const HMAC_HASHES: Partial<Record<JwtAlgorithm, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
/** Tolerated clock skew between instances for `iat` in the future. */
const IAT_LEEWAY_SECONDS = 60;
/** Compact serialization, three non-empty base64url segments. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

type JsonObject = Record<string, unknown>;

/** RFC 7515 §5.1 step 5: the signature of a JWS signing input under `algorithm` (RFC 7518 §3, RFC 8037 §3.1). */
export function signJws(algorithm: JwtAlgorithm, signingInput: string, key: KeyObject): Buffer {
  const hash = HMAC_HASHES[algorithm];
  if (hash) return createHmac(hash, requireType(key, 'secret')).update(signingInput).digest();
  const data = Buffer.from(signingInput);
  if (algorithm === 'EdDSA') return cryptoSign(null, data, requireType(key, 'private'));
  // ES256 signatures are JOSE's fixed-width r‖s (RFC 7518 §3.4), not DER.
  return cryptoSign('sha256', data, { key: requireType(key, 'private'), dsaEncoding: 'ieee-p1363' });
}

/**
 * RFC 7515 §5.2 step 8: whether `signature` is valid for `signingInput` under `algorithm` with `key`. A key of the
 * wrong kind for the algorithm (a public key for HS*, a secret for RS/ES/EdDSA: algorithm confusion) is `false`.
 */
export function verifyJws(algorithm: JwtAlgorithm, signingInput: string, signature: Buffer, key: KeyObject): boolean {
  try {
    const hash = HMAC_HASHES[algorithm];
    if (hash) {
      const expected = createHmac(hash, requireType(key, 'secret')).update(signingInput).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    const data = Buffer.from(signingInput);
    if (algorithm === 'EdDSA') return cryptoVerify(null, data, requireType(key, 'public'), signature);
    return cryptoVerify('sha256', data, { key: requireType(key, 'public'), dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

function requireType(key: KeyObject, type: KeyObject['type']): KeyObject {
  if (key.type !== type) throw new TypeError(`a ${type} key is needed, got a ${key.type} key`);
  return key;
}

/**
 * Signs and verifies the tokens of one key set and audience. Verification refuses, in order: anything but compact
 * JWS with one spelling; a header that is not a JSON object, names another `alg`, carries `crit` (RFC 7515 §4.1.11:
 * we implement no extension) or a key-locating member (`jku`, `jwk`, `x5u`, `x5c`, `x5t`; RFC 8725 §3.10), or a `kid`
 * that is not among the configured keys; a bad signature; a payload that is not a JSON object (RFC 7519 §7.2); and
 * then the claims: `exp` required and in the future, `nbf` past, `iat` at most 60 s ahead, `sub` a non-empty string,
 * `aud` naming one of ours. Never does I/O.
 */
export class JwtCodec {
  readonly algorithm: JwtAlgorithm;
  /** Accepted `aud` values; the first is written. */
  readonly audience: readonly string[];

  constructor(
    private readonly keySet: JwtKeySet,
    audience: readonly string[],
  ) {
    if (audience.length === 0) throw new TypeError('JwtCodec: at least one audience is needed.');
    this.algorithm = keySet.algorithm;
    this.audience = Object.freeze([...audience]);
  }

  /**
   * A token carrying `claims` plus `aud` (the first audience), `iat` and `exp`, under the signing key (its `kid` in
   * the header): the bytes jsonwebtoken.sign writes for the same input.
   * @throws TypeError when the key set has no signing key (verify-only)
   */
  sign(claims: { sub: string } & Record<string, unknown>, lifetimeSeconds: number): string {
    const signing = this.keySet.signing;
    if (!signing?.signingKey) throw new TypeError('JwtCodec: this key set holds no signing key.');
    const iat = Math.floor(Date.now() / 1000);
    const header = { alg: this.algorithm, typ: 'JWT', kid: signing.kid };
    const { sub, ...rest } = claims;
    const payload = { sub, aud: this.audience[0], ...rest, iat, exp: iat + lifetimeSeconds };
    const input = `${base64urlJson(header)}.${base64urlJson(payload)}`;
    return `${input}.${signJws(this.algorithm, input, signing.signingKey).toString('base64url')}`;
  }

  /** The verified token, or `null` for any token that is not ours, not valid now, or not understood. */
  verify(token: unknown): VerifiedJwt | null {
    const selected = this.select(token);
    if (!selected) return null;
    const [encodedHeader, encodedPayload, signature] = selected.parts;
    if (!verifyJws(this.algorithm, `${encodedHeader}.${encodedPayload}`, Buffer.from(signature, 'base64url'), selected.key.key)) {
      return null;
    }
    const payload = parseJsonObject(encodedPayload);
    if (!payload || !this.hasValidClaims(payload)) return null;
    return { claims: Object.freeze(payload) as JwtClaims, kid: selected.key.kid };
  }

  /**
   * The configured key a token's header selects (by `kid`, with the pinned algorithm, among the configured keys
   * only), after the structural and header checks of `verify`; `undefined` when `verify` would refuse it before the
   * signature. For passport-jwt's `secretOrKeyProvider`.
   */
  keyFor(token: unknown): KeyObject | undefined {
    return this.select(token)?.key.key;
  }

  /** The checks of `verify` that depend on the clock: a token verified earlier is still valid now. */
  isCurrent({ exp, nbf, iat }: JwtClaims): boolean {
    const now = Math.floor(Date.now() / 1000);
    if (typeof exp !== 'number' || !(now < exp)) return false;
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) return false;
    return iat === undefined || (typeof iat === 'number' && iat <= now + IAT_LEEWAY_SECONDS);
  }

  private hasValidClaims(payload: JsonObject): boolean {
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return false;
    if (!this.isCurrent(payload as unknown as JwtClaims)) return false;
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return audiences.some((value) => typeof value === 'string' && this.audience.includes(value));
  }

  private select(token: unknown): { parts: [string, string, string]; key: JwtVerificationKey } | undefined {
    if (typeof token !== 'string' || !COMPACT_JWS.test(token)) return undefined;
    const parts = token.split('.') as [string, string, string];
    // base64url of `{"`: every JSON-object payload starts with it (cheap refusal before any JSON or signature work).
    if (!parts[1].startsWith('eyJ')) return undefined;
    // One token, one spelling: a signature with non-zero padding bits is another string for the same signature.
    if (Buffer.from(parts[2], 'base64url').toString('base64url') !== parts[2]) return undefined;
    const header = parseJsonObject(parts[0]);
    if (!header || header.alg !== this.algorithm || 'crit' in header) return undefined;
    if (KEY_LOCATING_HEADERS.some((name) => name in header)) return undefined;
    if (header.kid !== undefined && typeof header.kid !== 'string') return undefined;
    const key = this.keySet.find(header.kid);
    return key && { parts, key };
  }
}

function parseJsonObject(segment: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
